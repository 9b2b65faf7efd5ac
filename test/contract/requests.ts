// Which requests are audited: methods, statuses, skip, per-route specs on a GET, a create with no
// id, failed logins.
import { describe, expect, test } from 'vitest';
import { type ContractAdapter, header, type Route } from './adapter.js';
import { context } from './context.js';
import { send } from './http.js';

const routes: Route[] = [
  { method: 'POST', path: '/invoices', status: 201, body: { id: 'inv_9' } },
  { method: 'DELETE', path: '/invoices/:id', body: { deleted: true } },
  { method: 'PUT', path: '/invoices/:id', status: 204 },
  { method: 'GET', path: '/invoices/:id', body: {} },
];

export function requests(adapter: ContractAdapter): void {
  describe('which requests', () => {
    const c = context(adapter);
    const start = (options: Record<string, unknown>, more: Route[] = []) =>
      c.start({ options: { ...c.rec.options, ...options }, routes: [...routes, ...more] });

    test('methods and statuses options', async () => {
      const app = await start({ methods: ['DELETE'], statuses: [200] });
      expect((await send(app.url, 'POST', '/invoices')).status).toBe(201);
      expect((await send(app.url, 'PUT', '/invoices/1')).status).toBe(204);
      expect((await send(app.url, 'DELETE', '/invoices/1')).status).toBe(200);
      expect((await c.rec.recorded()).map((e) => e.action)).toEqual(['invoice.deleted']);
    });

    test('skip(request, info)', async () => {
      const app = await start({
        skip: (native: unknown, info: { status: number }) =>
          header(native, 'x-internal') === '1' || info.status === 201,
      });
      await send(app.url, 'POST', '/invoices');
      await send(app.url, 'DELETE', '/invoices/1', undefined, { 'x-internal': '1' });
      await send(app.url, 'DELETE', '/invoices/2');
      expect((await c.rec.recorded()).map((e) => e.resource.id)).toEqual(['2']);
    });

    test('GET requests are not audited by default', async () => {
      expect((await send((await start({})).url, 'GET', '/invoices/1')).status).toBe(200);
      expect(await c.rec.recorded()).toEqual([]);
    });

    test('a create with no id in the path or the body is reported, not guessed', async () => {
      const app = await start({}, [
        { method: 'POST', path: '/notes', status: 201, body: 'created' },
        {
          method: 'POST',
          path: '/drafts',
          status: 201,
          spec: {
            action: 'draft.created',
            resource: (native: unknown) => ({ id: header(native, 'x-draft') }),
          },
        },
      ]);
      expect((await send(app.url, 'POST', '/notes')).status).toBe(201);
      expect((await send(app.url, 'POST', '/drafts', undefined, { 'x-draft': 'd_1' })).status).toBe(201);
      expect(await c.rec.recorded()).toMatchObject([
        { action: 'draft.created', resource: { type: 'draft', id: 'd_1' } },
      ]);
      expect(c.rec.errors.map((e) => e.error.message)).toEqual([
        expect.stringMatching(/No resource\.id for POST \/notes/),
      ]);
    });

    test('auditFailedLogins: a 401 on the login route is user.login_failed on the user the body names, never the password', async () => {
      const app = await start({ auditFailedLogins: true }, [
        {
          method: 'POST',
          path: '/api/users/login',
          status: 401,
          body: { errors: { 'email or password': ['is invalid'] } },
        },
      ]);
      const res = await send(app.url, 'POST', '/api/users/login', {
        user: { email: 'jake@jake.jake', password: 'hunter2' },
      });
      expect(res.status).toBe(401);
      const events = await c.rec.recorded();
      expect(events).toMatchObject([
        {
          action: 'user.login_failed',
          actor: { id: 'anonymous' },
          resource: { type: 'user', id: 'jake@jake.jake' },
        },
      ]);
      expect(JSON.stringify(events)).not.toContain('hunter2');
    });
  });
}
