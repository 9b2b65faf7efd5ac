// The adapter options that shape an event: the response left alone, actor / organization /
// metadata, redaction, mappers reading the answered body. Which requests are audited: ./requests.ts.
import { describe, expect, test } from 'vitest';
import { type AppOptions, type ContractAdapter, header, type Route } from './adapter.js';
import { context } from './context.js';
import { type Answer, send } from './http.js';

const routes: Route[] = [
  {
    method: 'POST',
    path: '/invoices',
    status: 201,
    body: { id: 'inv_9', total: 3 },
    headers: { 'x-total': '3' },
  },
  { method: 'DELETE', path: '/invoices/:id', body: { deleted: true } },
  { method: 'PUT', path: '/invoices/:id', status: 204 },
  { method: 'GET', path: '/invoices/:id', body: {} },
];

const user = (u: object) => ({ 'x-user': JSON.stringify(u) });

function snapshot(answer: Answer) {
  const { date: _date, ...headers } = answer.headers;
  return { status: answer.status, headers, body: answer.body };
}

export function options(adapter: ContractAdapter): void {
  describe('options', () => {
    const c = context(adapter);
    const start = (options: AppOptions['options'], more: Route[] = []) =>
      c.start({
        options: options === false ? false : { ...c.rec.options, ...options },
        routes: [...routes, ...more],
      });

    test('status, headers and body are byte-for-byte the same with and without the adapter, or a broken one', async () => {
      const throwing = () => {
        throw new Error('mapper bug');
      };
      const bare = await start(false);
      const audited = await start({});
      const broken = await start({ resource: throwing, metadata: throwing });
      for (const [method, path] of [
        ['POST', '/invoices'],
        ['DELETE', '/invoices/inv_1'],
      ] as const) {
        const expected = snapshot(await send(bare.url, method, path, { amount: 5 }));
        if (method === 'POST') expect(expected.headers['x-total']).toBe('3');
        expect(snapshot(await send(audited.url, method, path, { amount: 5 }))).toEqual(expected);
        expect(snapshot(await send(broken.url, method, path, { amount: 5 }))).toEqual(expected);
      }
      expect((await c.rec.recorded()).map((e) => [e.action, e.resource.id])).toEqual([
        ['invoice.created', 'inv_9'],
        ['invoice.deleted', 'inv_1'],
      ]);
    });

    test('the user slot is the actor (id/_id/sub, name/username/displayName, email) and its org; anonymous without one', async () => {
      const app = await start({});
      await send(
        app.url,
        'PUT',
        '/invoices/1',
        undefined,
        user({ _id: 5, username: 'ann', email: 'a@x.co', orgId: 'org_u' }),
      );
      await send(
        app.url,
        'PUT',
        '/invoices/2',
        undefined,
        user({ sub: 'auth0|7', displayName: 'Jo', organization_id: 'org_a' }),
      );
      await send(app.url, 'PUT', '/invoices/3');
      expect((await c.rec.recorded()).map((e) => [e.actor, e.organization_id])).toEqual([
        [{ id: '5', name: 'ann', email: 'a@x.co' }, 'org_u'],
        [{ id: 'auth0|7', name: 'Jo' }, 'org_a'],
        [{ id: 'anonymous' }, undefined],
      ]);
    });

    test('actor and organization mappers', async () => {
      const app = await start({
        actor: (native: unknown) => ({ id: header(native, 'x-service'), name: 'Service' }),
        organization: (native: unknown) => header(native, 'x-tenant'),
      });
      await send(app.url, 'PUT', '/invoices/1', undefined, { 'x-service': 'svc_1', 'x-tenant': 't_1' });
      expect(await c.rec.recorded()).toMatchObject([
        { actor: { id: 'svc_1', name: 'Service' }, organization_id: 't_1' },
      ]);
    });

    test('default metadata, merged with the metadata option, redacted; no headers or body by default', async () => {
      const app = await start({
        metadata: (native: unknown) => ({
          plan: 'pro',
          token: header(native, 'x-token'),
          deep: { Cookie: 'c' },
        }),
      });
      const headers = { 'user-agent': 'ua/1', 'x-request-id': 'req_42', 'x-token': 'tok', cookie: 'sid=abc' };
      expect(
        (await send(app.url, 'POST', '/invoices?draft=true', { password: 'hunter2' }, headers)).status,
      ).toBe(201);
      const [event] = await c.rec.recorded();
      expect(event?.metadata).toEqual({
        ip: expect.stringMatching(/127\.0\.0\.1/),
        user_agent: 'ua/1',
        request_id: adapter.requestIdFor('req_42'),
        method: 'POST',
        route: '/invoices',
        path: '/invoices',
        status: 201,
        duration_ms: expect.any(Number),
        plan: 'pro',
        token: '[REDACTED]',
        deep: { Cookie: '[REDACTED]' },
      });
      expect(JSON.stringify(event)).not.toMatch(/hunter2|sid=abc/);
    });

    test('redact: extra keys, or false', async () => {
      await send(
        (await start({ redact: ['plan'], metadata: { plan: 'pro', password: 'p' } })).url,
        'PUT',
        '/invoices/1',
      );
      await send((await start({ redact: false, metadata: { password: 'p' } })).url, 'PUT', '/invoices/1');
      const [extra, off] = await c.rec.recorded();
      expect(extra?.metadata).toMatchObject({ plan: '[REDACTED]', password: '[REDACTED]' });
      expect(off?.metadata).toMatchObject({ password: 'p' });
    });

    test('a __proto__ key in user metadata pollutes nothing', async () => {
      const app = await start({ metadata: () => JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') });
      expect((await send(app.url, 'PUT', '/invoices/1')).status).toBe(204);
      const [event] = await c.rec.recorded();
      expect(event?.metadata).toMatchObject({ ok: 1 });
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    });

    test('mappers see the JSON body the handler answered as info.body', async () => {
      const app = await start(
        {
          resource: (_native: unknown, info: { route: string; body: unknown }) =>
            info.route === '/orders'
              ? { type: 'order', id: (info.body as { order: { number: string } }).order.number }
              : undefined,
        },
        [{ method: 'POST', path: '/orders', status: 201, body: { order: { number: 'ORD-7' } } }],
      );
      expect((await send(app.url, 'POST', '/orders')).status).toBe(201);
      expect(await c.rec.recorded()).toMatchObject([
        { action: 'order.created', resource: { type: 'order', id: 'ORD-7' } },
      ]);
    });

    test('a per-route spec on a GET reads the JSON it answered too', async () => {
      const exported = {
        action: 'report.exported',
        metadata: (_native: unknown, info: { body: unknown }) => ({
          rows: (info.body as { rows: number }).rows,
        }),
      };
      const app = await start({}, [
        { method: 'GET', path: '/reports/:id', body: { rows: 42 }, spec: exported },
      ]);
      expect((await send(app.url, 'GET', '/reports/r1')).status).toBe(200);
      expect(await c.rec.recorded()).toMatchObject([
        { action: 'report.exported', resource: { type: 'report', id: 'r1' }, metadata: { rows: 42 } },
      ]);
    });
  });
}
