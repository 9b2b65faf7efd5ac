// Per-route specs (`audit()` / `config.audit`) and the request's handle (set / skip / log).
import { describe, expect, test } from 'vitest';
import type { ContractAdapter, Route } from './adapter.js';
import { context } from './context.js';
import { send } from './http.js';

const api = ['/api'];

const routes: Route[] = [
  { method: 'DELETE', path: '/invoices/:id', mount: api, status: 204, spec: 'invoice.voided' },
  {
    method: 'DELETE',
    path: '/invoices/:id/lines/:line',
    mount: api,
    status: 204,
    spec: {
      action: 'invoice.line_removed',
      // The framework's own params (req.params, ctx.params, request.params) and info.params.
      resource: (native: unknown, info: { params: Record<string, string> }) => ({
        type: 'invoice',
        id: (native as { params: Record<string, string> }).params.id,
        name: `line ${info.params.line}`,
      }),
    },
  },
  {
    method: 'GET',
    path: '/reports/:id/export',
    mount: api,
    body: 'csv',
    spec: { action: 'report.exported', resource: { type: 'report' } },
  },
  { method: 'POST', path: '/archive/:id', mount: api, status: 204, spec: 'invoice.archived' },
  { method: 'POST', path: '/heartbeat', mount: api, status: 204, spec: false },
  {
    method: 'PATCH',
    path: '/invoices/:id',
    mount: api,
    body: { ok: true },
    work: ({ handle, body }) => {
      handle.set({
        resource: { name: 'INV-001' },
        metadata: { field: 'status', old_value: 'draft', new_value: body.status },
      });
    },
  },
  {
    method: 'PUT',
    path: '/invoices/:id',
    mount: api,
    body: { ok: true },
    work: ({ handle, body }) => {
      if (body.dryRun) handle.skip();
    },
  },
  {
    method: 'POST',
    path: '/invoices/:id/email',
    mount: api,
    status: 202,
    work: ({ handle }) => {
      handle.log({ action: 'invoice.emailed', resource: { type: 'invoice', id: 'inv_4' } });
      handle.log({ action: 'email.sent', resource: { type: 'email', id: 'em_1' }, actor: 'mailer' });
    },
  },
  {
    method: 'GET',
    path: '/invoices/:id',
    mount: api,
    body: { id: 'inv_5' },
    work: ({ handle }) =>
      handle.log({ action: 'invoice.viewed', resource: { type: 'invoice', id: 'inv_5' } }),
  },
];

const user = (id: string, orgId?: string) => ({ 'x-user': JSON.stringify({ id, name: 'Alice', orgId }) });

export function perRoute(adapter: ContractAdapter): void {
  describe('per-route specs', () => {
    const c = context(adapter, (rec) => ({ options: rec.options, routes }));

    test('an action names the action; the resource stays derived', async () => {
      expect((await send(c.app.url, 'DELETE', '/api/invoices/inv_1', undefined, user('u_1'))).status).toBe(
        204,
      );
      expect(await c.rec.recorded()).toMatchObject([
        {
          action: 'invoice.voided',
          resource: { type: 'invoice', id: 'inv_1' },
          actor: { id: 'u_1', name: 'Alice' },
        },
      ]);
    });

    test('{ action, resource } with a resource mapper', async () => {
      expect((await send(c.app.url, 'DELETE', '/api/invoices/inv_1/lines/3')).status).toBe(204);
      const [event] = await c.rec.recorded();
      expect(event?.action).toBe('invoice.line_removed');
      expect(event?.resource).toEqual({ type: 'invoice', id: 'inv_1', name: 'line 3' });
    });

    test('a spec audits a GET route too; a string is shorthand for { action }', async () => {
      expect((await send(c.app.url, 'GET', '/api/reports/r_1/export')).body).toBe('csv');
      expect((await send(c.app.url, 'POST', '/api/archive/inv_2')).status).toBe(204);
      expect((await c.rec.recorded()).map((e) => [e.action, e.resource])).toEqual([
        ['report.exported', { type: 'report', id: 'r_1' }],
        ['invoice.archived', { type: 'archive', id: 'inv_2' }],
      ]);
    });

    test('false opts a mutation out', async () => {
      expect((await send(c.app.url, 'POST', '/api/heartbeat')).status).toBe(204);
      expect(await c.rec.recorded()).toEqual([]);
    });
  });

  describe('the request handle', () => {
    const c = context(adapter, (rec) => ({ options: rec.options, routes }));

    test('set() adds a resource name and change metadata', async () => {
      expect((await send(c.app.url, 'PATCH', '/api/invoices/inv_2', { status: 'paid' })).status).toBe(200);
      expect(await c.rec.recorded()).toMatchObject([
        {
          action: 'invoice.updated',
          resource: { type: 'invoice', id: 'inv_2', name: 'INV-001' },
          metadata: { field: 'status', old_value: 'draft', new_value: 'paid', status: 200, method: 'PATCH' },
        },
      ]);
    });

    test('skip() records nothing for the request', async () => {
      expect((await send(c.app.url, 'PUT', '/api/invoices/inv_3', { dryRun: true })).status).toBe(200);
      expect(await c.rec.recorded()).toEqual([]);
      expect((await send(c.app.url, 'PUT', '/api/invoices/inv_3', {})).status).toBe(200);
      expect(await c.rec.recorded()).toHaveLength(1);
    });

    test('log() sends more events, completed with the actor and organization of the request', async () => {
      const res = await send(c.app.url, 'POST', '/api/invoices/inv_4/email', undefined, user('u_5', 'org_5'));
      expect(res.status).toBe(202);
      expect(
        (await c.rec.recorded()).map((e) => [e.action, e.actor.id, e.organization_id, e.resource.id]),
      ).toEqual([
        ['invoice.emailed', 'u_5', 'org_5', 'inv_4'],
        ['invoice.emailed', 'u_5', 'org_5', 'inv_4'],
        ['email.sent', 'mailer', 'org_5', 'em_1'],
      ]);
    });

    test('log() works on a request that is not audited itself (a GET)', async () => {
      expect((await send(c.app.url, 'GET', '/api/invoices/inv_5')).status).toBe(200);
      expect(await c.rec.recorded()).toMatchObject([
        { action: 'invoice.viewed', actor: { id: 'anonymous' } },
      ]);
      expect(c.rec.errors).toEqual([]);
    });
  });
}
