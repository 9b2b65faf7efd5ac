// Async mappers through each adapter (issue 10, "Async mappers"): an `actor`, `organization`,
// `metadata`, `action`, `resource` or `skip` mapper may return a promise, in the global options
// and in a per-route spec. Its value is awaited after the response; a rejection is reported
// (never an unhandled rejection: 18 of 18 framework x mapper cases crashed the app before);
// a mapper that does not settle within `mapperTimeout` is counted as `mapper_timeout`.
// Real apps in this process, real sockets, a real client delivering to a scripted API.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../support/auditHarness.js';
import { adapterFrameworks, collectWarnings, type RunningApp, send, startApp } from './adapters/apps.js';

let harness: AuditHarness;
let app: RunningApp | undefined;
let warned: ReturnType<typeof collectWarnings>;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  harness = await startAuditHarness();
  warned = collectWarnings();
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  warned.stop();
  await app?.close();
  app = undefined;
  await harness.close();
});

/** A lookup that answers on a later turn of the event loop, like a database would. */
function lookup<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}

/** The tenant header of the framework's request object (Express req, Koa ctx, Fastify request). */
function tenantOf(req: unknown): string {
  const headers = (req as { headers?: Record<string, string> }).headers ?? {};
  return headers['x-tenant'] ?? 'none';
}

const mappers = ['actor', 'organization', 'metadata', 'action', 'resource', 'skip'] as const;

describe.each(adapterFrameworks)('%s: async mappers', (framework) => {
  test.each(mappers)(
    'a rejecting async %s: the app answers, onError hears it, nothing unhandled',
    async (key) => {
      app = await startApp(framework, {
        options: {
          client: harness.client,
          onError: harness.onError,
          [key]: async () => {
            await lookup(null);
            throw new Error(`${key} lookup failed`);
          },
        },
        routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
      });
      for (let i = 0; i < 2; i++)
        expect((await send(app.url, 'DELETE', `/invoices/inv_${i}`)).status).toBe(204);
      expect(await harness.sent()).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(
        harness.errors.map((e) => [e.error.code, (e.error as { unrecorded?: string }).unrecorded]),
      ).toEqual([
        ['AL_ERR_MAPPER', 'mapper_error'],
        ['AL_ERR_MAPPER', 'mapper_error'],
      ]);
      expect(harness.errors[0]!.error.message).toContain(`${key} lookup failed`);
      expect(harness.client.stats().unrecorded).toMatchObject({ mapper_error: 2, total: 2 });
    },
  );

  test('a rejecting async mapper without onError: counted and one warning, nothing unhandled', async () => {
    app = await startApp(framework, {
      options: { client: harness.client, organization: () => Promise.reject(new Error('tenant db down')) },
      routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
    });
    for (let i = 0; i < 3; i++)
      expect((await send(app.url, 'DELETE', `/invoices/inv_${i}`)).status).toBe(204);
    expect(await harness.sent()).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(harness.client.stats().unrecorded).toMatchObject({ mapper_error: 3, total: 3 });
    expect(warned.warnings.map((w) => w.code)).toEqual(['AUDITLEDGE_UNRECORDED']);
  });

  test("resolved async mappers make the event: the user's tenant looked up", async () => {
    app = await startApp(framework, {
      options: {
        client: harness.client,
        onError: harness.onError,
        actor: async (req: unknown) => lookup({ id: `u_${tenantOf(req)}`, name: 'Ada' }),
        organization: async (req: unknown) => lookup(`org_${tenantOf(req)}`),
        metadata: async (req: unknown) => lookup({ plan: `plan_${tenantOf(req)}` }),
        skip: async () => lookup(false),
      },
      routes: [
        { method: 'DELETE', path: '/invoices/:id', status: 204 },
        {
          method: 'POST',
          path: '/invoices/:id/send',
          status: 200,
          body: { ok: true },
          spec: {
            action: async () => lookup('invoice.mailed'),
            resource: async () => lookup({ type: 'mailing', id: 'm_1' }),
            metadata: async () => lookup({ channel: 'email' }),
          },
        },
      ],
    });
    expect((await send(app.url, 'DELETE', '/invoices/inv_1', undefined, { 'x-tenant': 'acme' })).status).toBe(
      204,
    );
    expect(
      (await send(app.url, 'POST', '/invoices/inv_2/send', undefined, { 'x-tenant': 'globex' })).status,
    ).toBe(200);
    const events = await harness.sent();
    expect(
      events.map((e) => [
        e.action,
        e.resource,
        e.actor.id,
        e.organization_id,
        e.metadata?.plan,
        e.metadata?.channel,
      ]),
    ).toEqual([
      ['invoice.deleted', { type: 'invoice', id: 'inv_1' }, 'u_acme', 'org_acme', 'plan_acme', undefined],
      ['invoice.mailed', { type: 'mailing', id: 'm_1' }, 'u_globex', 'org_globex', 'plan_globex', 'email'],
    ]);
    expect(harness.errors).toEqual([]);
  });

  test('an async skip that says true records nothing', async () => {
    app = await startApp(framework, {
      options: { client: harness.client, onError: harness.onError, skip: async () => lookup(true) },
      routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
    });
    expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
    expect(await harness.sent()).toEqual([]);
    expect(harness.errors).toEqual([]);
    expect(harness.client.stats().unrecorded.total).toBe(0);
  });

  test('a mapper that never settles is reported as mapper_timeout after mapperTimeout', async () => {
    app = await startApp(framework, {
      options: {
        client: harness.client,
        onError: harness.onError,
        mapperTimeout: 20,
        organization: () => new Promise(() => {}),
      },
      routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
    });
    expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
    // flush() waits for the event being built, which gives up at the timeout.
    expect(await harness.sent()).toEqual([]);
    expect(
      harness.errors.map((e) => [(e.error as { unrecorded?: string }).unrecorded, e.context.route]),
    ).toEqual([['mapper_timeout', '/invoices/:id']]);
    expect(harness.client.stats().unrecorded).toMatchObject({ mapper_timeout: 1, total: 1 });
  });
});
