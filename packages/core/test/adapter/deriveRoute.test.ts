import { describe, expect, test } from 'vitest';
import { deriveAction, deriveRoute } from '../../src/adapter/index.js';

// The default derivation table of DESIGN.md section 6, plus the shapes around it.
describe('the derivation table', () => {
  test.each([
    ['DELETE', '/invoices/:id', 'invoice.deleted', 'invoice', 'id', undefined],
    ['PUT', '/invoices/:id', 'invoice.updated', 'invoice', 'id', undefined],
    ['PATCH', '/invoices/:id', 'invoice.updated', 'invoice', 'id', undefined],
    ['POST', '/invoices', 'invoice.created', 'invoice', undefined, undefined],
    ['POST', '/invoices/:id/send', 'invoice.send', 'invoice', 'id', undefined],
    ['DELETE', '/orgs/:orgId/api-keys/:keyId', 'api_key.deleted', 'api_key', 'keyId', 'orgId'],
    ['PATCH', '/v1/companies/:id', 'company.updated', 'company', 'id', undefined],
    ['POST', '/api/v2/addresses', 'address.created', 'address', undefined, undefined],
    [
      'PUT',
      '/organizations/:organizationId/statuses/:id',
      'status.updated',
      'status',
      'id',
      'organizationId',
    ],
    ['POST', '/invoices/:id/lines', 'line.created', 'line', undefined, undefined],
    ['DELETE', '/invoices/:invoiceId/lines/:lineId', 'line.deleted', 'line', 'lineId', undefined],
    ['PUT', '/users/:id/avatar', 'user.avatar_updated', 'user', 'id', undefined],
    ['POST', '/invoices/:id', 'invoice.updated', 'invoice', 'id', undefined],
    ['POST', '/repos/:owner/:repo/archive', 'repo.archive', 'repo', 'repo', undefined],
    ['DELETE', '/files/:id(^\\d+$)', 'file.deleted', 'file', 'id', undefined],
    ['PATCH', '/invoices{/:id}', 'invoice.updated', 'invoice', 'id', undefined],
    ['DELETE', '/orgs/:orgId', 'org.deleted', 'org', 'orgId', 'orgId'],
  ])('%s %s -> %s', (method, template, action, type, idParam, orgParam) => {
    const route = deriveRoute(template);
    expect(deriveAction(route, method)).toBe(action);
    expect(route).toMatchObject({ template, type, idParam, orgParam });
  });

  test('collections named in any script keep a usable type; punctuation-only segments name nothing', () => {
    expect(deriveAction(deriveRoute('/équipes/:id'), 'DELETE')).toBe('équipe.deleted');
    expect(deriveRoute('/日本/:id').type).toBe('日本');
    expect(deriveRoute('/.../:id').type).toBeUndefined();
    expect(deriveRoute('/invoices/%/:id').type).toBe('invoice');
  });

  test('a template without a literal segment has no type and no action', () => {
    const route = deriveRoute('/:id');
    expect(route.type).toBeUndefined();
    expect(deriveAction(route, 'DELETE')).toBeUndefined();
  });

  test('other methods get a past tense or their own name', () => {
    expect(deriveAction(deriveRoute('/reports/:id'), 'GET')).toBe('report.viewed');
    expect(deriveAction(deriveRoute('/reports/:id'), 'PURGE')).toBe('report.purge');
  });
});

test('derivations are computed once per template', () => {
  const first = deriveRoute('/cached/things/:id');
  expect(deriveRoute('/cached/things/:id')).toBe(first);
  expect(deriveAction(first, 'DELETE')).toBe(deriveAction(deriveRoute('/cached/things/:id'), 'DELETE'));
  expect(deriveRoute('/cached/things/:thingId')).not.toBe(first);
});
