// What fails: handlers that throw (not audited by default; recorded on the right route when the
// statuses ask for it), clients that hang up, mappers that throw or reject (reported and counted
// in stats().unrecorded, never an unhandled rejection).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ContractAdapter, header, type Route } from './adapter.js';
import { context } from './context.js';
import { send, sendAndHangUp, signal } from './http.js';

const invoices = ['/orgs/:orgId', '/invoices'];

const failing: Route[] = [
  { method: 'DELETE', path: '/:id', mount: invoices, fail: { status: 409 } },
  { method: 'PATCH', path: '/:id', mount: invoices, fail: { status: 500, async: true } },
  { method: 'POST', path: '/:id/send', mount: invoices, fail: { status: 409, async: true } },
  { method: 'PUT', path: '/:id', mount: invoices, fail: { status: 409 }, spec: 'invoice.replaced' },
  // A 4xx the handler answers itself, without throwing.
  { method: 'POST', path: '/:id/void', mount: invoices, status: 409, body: { error: 'paid' } },
];

/** A lookup that answers on a later turn of the event loop, like a database would. */
const lookup = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));

export function failures(adapter: ContractAdapter): void {
  describe('failed requests', () => {
    const c = context(adapter, (rec) => ({
      options: { ...rec.options, statuses: (status: number) => status !== 404 },
      routes: failing,
    }));

    test.each([
      ['DELETE', '/orgs/42/invoices/inv_1', 409, 'invoice.deleted'],
      ['PATCH', '/orgs/42/invoices/inv_1', 500, 'invoice.updated'],
      ['POST', '/orgs/42/invoices/inv_1/send', 409, 'invoice.sent'],
      ['PUT', '/orgs/42/invoices/inv_1', 409, 'invoice.replaced'],
      ['POST', '/orgs/42/invoices/inv_1/void', 409, 'invoice.voided'],
    ] as const)(
      '%s %s failing with %i is still %s on the right resource and org',
      async (method, path, status, action) => {
        expect((await send(c.app.url, method, path)).status).toBe(status);
        expect(await c.rec.recorded()).toMatchObject([
          {
            action,
            resource: { type: 'invoice', id: 'inv_1' },
            organization_id: '42',
            metadata: { status, route: expect.stringMatching(/^\/orgs\/:orgId\/invoices\/:id/), path },
          },
        ]);
        expect(c.rec.errors).toEqual([]);
      },
    );

    test('by default failures (4xx, 5xx, a throw) are not audited', async () => {
      const plain = await c.start({ options: c.rec.options, routes: failing });
      expect((await send(plain.url, 'DELETE', '/orgs/42/invoices/inv_1')).status).toBe(409);
      expect((await send(plain.url, 'PATCH', '/orgs/42/invoices/inv_1')).status).toBe(500);
      expect((await send(plain.url, 'POST', '/orgs/42/invoices/inv_1/void')).status).toBe(409);
      expect(await c.rec.recorded()).toEqual([]);
    });
  });

  describe('a client that hangs up', () => {
    const c = context(adapter);

    test('a delete answered 204 after the client left is recorded with metadata.aborted', async () => {
      const started = signal();
      const answered = signal();
      const app = await c.start({
        options: c.rec.options,
        routes: [
          {
            method: 'DELETE',
            path: '/invoices/:id',
            status: 204,
            async work({ onClientClose }) {
              started.resolve();
              await onClientClose();
              setImmediate(() => answered.resolve());
            },
          },
          { method: 'DELETE', path: '/receipts/:id', status: 204 },
        ],
      });
      await sendAndHangUp(app.url, 'DELETE', '/invoices/inv_1', started.promise);
      await answered.promise;
      expect(await c.rec.recorded()).toMatchObject([
        { action: 'invoice.deleted', resource: { id: 'inv_1' }, metadata: { status: 204, aborted: true } },
      ]);
      expect((await send(app.url, 'DELETE', '/receipts/r_2')).status).toBe(204);
      expect((await c.rec.recorded())[0]?.metadata).not.toHaveProperty('aborted');
    });
  });

  describe('mappers that fail', () => {
    const c = context(adapter);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    beforeAll(() => process.on('unhandledRejection', onUnhandled));
    afterAll(() => process.off('unhandledRejection', onUnhandled));
    const routes: Route[] = [
      { method: 'POST', path: '/invoices', status: 201, body: { id: 'inv_9' } },
      { method: 'DELETE', path: '/invoices/:id', status: 204 },
    ];

    test('a throwing mapper: no event, AL_ERR_MAPPER with route and method (never the body), counted', async () => {
      const before = c.rec.client.stats().unrecorded.mapper_error;
      const app = await c.start({
        options: {
          ...c.rec.options,
          metadata: () => {
            throw new Error('cannot read tenant');
          },
        },
        routes,
      });
      const res = await send(
        app.url,
        'POST',
        '/invoices',
        { card: '4242' },
        { authorization: 'Bearer s3cret' },
      );
      expect(res.status).toBe(201);
      expect(await c.rec.recorded()).toEqual([]);
      expect(c.rec.errors).toHaveLength(1);
      const { error, context: where } = c.rec.errors[0]!;
      expect(error.code).toBe('AL_ERR_MAPPER');
      expect(error.message).toContain('cannot read tenant');
      expect(where).toEqual({ operation: 'mapper', route: '/invoices', method: 'POST' });
      expect(`${error.message} ${JSON.stringify(where)}`).not.toMatch(/4242|s3cret/);
      expect(c.rec.client.stats().unrecorded.mapper_error).toBe(before + 1);
    });

    test('a mapper returning an invalid event is reported the same way', async () => {
      const app = await c.start({ options: { ...c.rec.options, action: () => '' }, routes });
      expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
      expect(await c.rec.recorded()).toEqual([]);
      expect(c.rec.errors.map((e) => [e.error.code, e.context.route])).toEqual([
        ['AL_ERR_MAPPER', '/invoices/:id'],
      ]);
    });

    test('async mappers: their values make the event; a rejection is reported and counted, never unhandled', async () => {
      const before = c.rec.client.stats().unrecorded.mapper_error;
      const tenant = (native: unknown) => header(native, 'x-tenant');
      const app = await c.start({
        options: {
          ...c.rec.options,
          actor: async (native: unknown) => lookup({ id: `u_${tenant(native)}` }),
          organization: async (native: unknown) => {
            if (tenant(native) === 'down') throw new Error('tenant db down');
            return lookup(`org_${tenant(native)}`);
          },
        },
        routes: [
          ...routes,
          {
            method: 'POST',
            path: '/invoices/:id/send',
            status: 204,
            spec: { action: async () => lookup('invoice.mailed') },
          },
        ],
      });
      expect(
        (await send(app.url, 'DELETE', '/invoices/inv_1', undefined, { 'x-tenant': 'acme' })).status,
      ).toBe(204);
      expect(
        (await send(app.url, 'POST', '/invoices/inv_2/send', undefined, { 'x-tenant': 'acme' })).status,
      ).toBe(204);
      expect(
        (await send(app.url, 'DELETE', '/invoices/inv_3', undefined, { 'x-tenant': 'down' })).status,
      ).toBe(204);
      expect((await c.rec.recorded()).map((e) => [e.action, e.actor.id, e.organization_id])).toEqual([
        ['invoice.deleted', 'u_acme', 'org_acme'],
        ['invoice.mailed', 'u_acme', 'org_acme'],
      ]);
      expect(c.rec.errors.map((e) => [e.error.code, e.error.message])).toEqual([
        ['AL_ERR_MAPPER', expect.stringContaining('tenant db down')],
      ]);
      expect(c.rec.client.stats().unrecorded.mapper_error).toBe(before + 1);
      expect(unhandled).toEqual([]);
    });

    test('an async mapper that never settles is given up after mapperTimeout and counted', async () => {
      const app = await c.start({
        options: { ...c.rec.options, mapperTimeout: 20, metadata: () => new Promise(() => {}) },
        routes,
      });
      expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
      // flush() waits for events still being built, up to their mapperTimeout.
      expect(await c.rec.recorded()).toEqual([]);
      expect(c.rec.client.stats().unrecorded.mapper_timeout).toBe(1);
      expect(c.rec.errors.map((e) => e.error.code)).toEqual(['AL_ERR_MAPPER']);
    });
  });
}
