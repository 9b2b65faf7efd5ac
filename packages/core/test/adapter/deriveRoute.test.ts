import { describe, expect, test } from 'vitest';
import { deriveAction, deriveRoute } from '../../src/adapter/deriveRoute.js';

// The default derivation table of DESIGN.md section 6, plus the shapes around it.
describe('the derivation table', () => {
  test.each([
    ['DELETE', '/invoices/:id', 'invoice.deleted', 'invoice', 'id', undefined],
    ['PUT', '/invoices/:id', 'invoice.updated', 'invoice', 'id', undefined],
    ['PATCH', '/invoices/:id', 'invoice.updated', 'invoice', 'id', undefined],
    ['POST', '/invoices', 'invoice.created', 'invoice', undefined, undefined],
    ['POST', '/invoices/:id/send', 'invoice.sent', 'invoice', 'id', undefined],
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
    ['POST', '/repos/:owner/:repo/archive', 'repo.archived', 'repo', 'repo', undefined],
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

// What a person would write, from the RealWorld ("Conduit") route set and common SaaS routes.
describe('actions read like a person wrote them', () => {
  test.each([
    ['POST', '/invoices/:id/pay', 'invoice.paid'],
    ['POST', '/subscriptions/:id/cancel', 'subscription.cancelled'],
    ['POST', '/api-keys/:id/revoke', 'api_key.revoked'],
    ['POST', '/invoices/:id/approve', 'invoice.approved'],
    ['POST', '/orders/:id/ship', 'order.shipped'],
    ['POST', '/jobs/:id/retry', 'job.retried'],
    ['POST', '/payments/:id/refund', 'payment.refunded'],
    ['POST', '/invoices/:id/email', 'invoice.emailed'],
    ['PUT', '/users/:id/email', 'user.email_updated'],
    ['POST', '/invoices/:id/mark-paid', 'invoice.marked_paid'],
    ['POST', '/invoices/:id/bulk-delete', 'invoice.bulk_deleted'],
    ['POST', '/api/articles/:slug/favorite', 'article.favorited'],
    ['DELETE', '/api/articles/:slug/favorite', 'article.unfavorited'],
    ['POST', '/api/profiles/:username/follow', 'profile.followed'],
    ['DELETE', '/api/profiles/:username/follow', 'profile.unfollowed'],
    ['DELETE', '/lists/:id/subscribe', 'list.unsubscribed'],
    ['PUT', '/repos/:id/star', 'repo.starred'],
    ['DELETE', '/repos/:id/star', 'repo.unstarred'],
    ['DELETE', '/users/:id/unfollow', 'user.unfollowed'],
    ['POST', '/invoices/:id/process', 'invoice.processed'],
    ['DELETE', '/users/:id/avatar', 'user.avatar_deleted'],
    ['PATCH', '/orgs/:orgId/settings', 'org.settings_updated'],
    ['POST', '/invoices/import', 'invoice.imported'],
    ['POST', '/events/:id/register', 'event.registered'],
  ])('%s %s -> %s', (method, template, action) => {
    expect(deriveAction(deriveRoute(template), method)).toBe(action);
  });

  test.each([
    ['POST', '/api/users/login', 'user.logged_in'],
    ['POST', '/auth/sign-in', 'user.logged_in'],
    ['POST', '/sessions', 'user.logged_in'],
    ['DELETE', '/session', 'user.logged_out'],
    ['POST', '/auth/logout', 'user.logged_out'],
    ['POST', '/auth/register', 'user.created'],
    ['POST', '/signup', 'user.created'],
    ['POST', '/password/forgot', 'user.password_reset_requested'],
    ['POST', '/auth/forgot-password', 'user.password_reset_requested'],
    ['POST', '/password/reset/:token', 'user.password_reset'],
    ['POST', '/auth/reset-password', 'user.password_reset'],
    ['POST', '/auth/refresh', 'user.token_refreshed'],
    ['POST', '/token/refresh', 'user.token_refreshed'],
  ])('authentication: %s %s -> %s', (method, template, action) => {
    const route = deriveRoute(template);
    expect(deriveAction(route, method)).toBe(action);
    expect(route).toMatchObject({ type: 'user', owner: 'actor', idParam: undefined });
  });

  test('a session by id is a resource, not a logout', () => {
    expect(deriveAction(deriveRoute('/sessions/:id'), 'DELETE')).toBe('session.deleted');
  });

  test.each([
    ['PUT', '/api/user', 'user.updated', 'user', 'actor'],
    ['PATCH', '/me', 'user.updated', 'user', 'actor'],
    ['PATCH', '/users/me', 'user.updated', 'user', 'actor'],
    ['PUT', '/account', 'account.updated', 'account', 'actor'],
    ['PUT', '/profile', 'profile.updated', 'profile', 'actor'],
    ['PATCH', '/settings', 'settings.updated', 'settings', 'actor'],
    ['PUT', '/me/avatar', 'user.avatar_updated', 'user', 'actor'],
    ['PUT', '/user/password', 'user.password_updated', 'user', 'actor'],
    ['POST', '/account/close', 'account.closed', 'account', 'actor'],
    ['PATCH', '/organization', 'organization.updated', 'organization', 'organization'],
    ['PUT', '/billing', 'billing.updated', 'billing', 'organization'],
    ['DELETE', '/subscription', 'subscription.deleted', 'subscription', 'organization'],
  ])('the current user or organization: %s %s -> %s', (method, template, action, type, owner) => {
    const route = deriveRoute(template);
    expect(deriveAction(route, method)).toBe(action);
    expect(route).toMatchObject({ type, owner, idParam: undefined });
  });
});

test('derivations are computed once per template', () => {
  const first = deriveRoute('/cached/things/:id');
  expect(deriveRoute('/cached/things/:id')).toBe(first);
  expect(deriveAction(first, 'DELETE')).toBe(deriveAction(deriveRoute('/cached/things/:id'), 'DELETE'));
  expect(deriveRoute('/cached/things/:thingId')).not.toBe(first);
});
