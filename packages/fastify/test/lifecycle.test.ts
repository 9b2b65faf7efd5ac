import { AuditLedge, type AuditLedgeError, type ErrorContext } from '@auditledge/core';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import auditledge, { type AuditOptions } from '../src/index.js';

let api: ScriptedApi;
const env = { key: process.env.AUDITLEDGE_API_KEY, base: process.env.AUDITLEDGE_BASE_URL };

beforeAll(async () => {
  api = await startScriptedApi();
});
afterEach(() => {
  api.stored.length = 0;
  api.script(() => undefined);
  for (const [name, value] of [
    ['AUDITLEDGE_API_KEY', env.key],
    ['AUDITLEDGE_BASE_URL', env.base],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
afterAll(() => api.close());

async function appWith(options?: AuditOptions) {
  const app = Fastify();
  if (options === undefined) await app.register(auditledge);
  else await app.register(auditledge, options);
  app.delete('/invoices/:id', async (_request, reply) => reply.code(204).send());
  return app;
}

test('with no options at all: the client comes from AUDITLEDGE_API_KEY and AUDITLEDGE_BASE_URL', async () => {
  process.env.AUDITLEDGE_API_KEY = 'al_from_env';
  process.env.AUDITLEDGE_BASE_URL = api.url;
  const app = await appWith();
  expect((await app.inject({ method: 'DELETE', url: '/invoices/inv_1' })).statusCode).toBe(204);
  await app.close();
  expect(api.stored).toMatchObject([
    { action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_1' }, actor: { id: 'anonymous' } },
  ]);
  expect(api.received.at(-1)?.headers.authorization).toBe('Bearer al_from_env');
});

test('with no client, no apiKey and no AUDITLEDGE_API_KEY, register() rejects with AL_ERR_CONFIG', async () => {
  delete process.env.AUDITLEDGE_API_KEY;
  const app = Fastify();
  await expect(app.register(auditledge)).rejects.toMatchObject({ code: 'AL_ERR_CONFIG' });
});

test('app.close() shuts down a client the plugin created, delivering what was queued', async () => {
  const app = await appWith({ apiKey: 'al_own', baseUrl: api.url, flushInterval: 60_000, flushAt: 1000 });
  await app.inject({ method: 'DELETE', url: '/invoices/inv_1' });
  await app.inject({ method: 'DELETE', url: '/invoices/inv_2' });
  expect(api.stored).toEqual([]);
  await app.close();
  expect(api.stored).toHaveLength(2);
});

test('app.close() flushes a client the app passed in, and leaves it running', async () => {
  const client = new AuditLedge('al_shared', { baseUrl: api.url, flushInterval: 60_000, flushAt: 1000 });
  const app = await appWith({ client });
  await app.inject({ method: 'DELETE', url: '/invoices/inv_1' });
  await app.close();
  expect(api.stored).toHaveLength(1);
  expect(client.stats().state).toBe('running');
  client.enqueue({ actor: { id: 'u' }, action: 'still.open', resource: { type: 'x', id: '1' } });
  await client.shutdown({ timeout: 2000 });
  expect(api.stored).toHaveLength(2);
});

test('app.close() does not hang on a passed client whose API never answers: its flush is bounded', async () => {
  api.script(() => 'stall');
  const client = new AuditLedge('al_shared', { baseUrl: api.url, flushInterval: 5, timeout: 30_000 });
  const app = await appWith({ client });
  await app.inject({ method: 'DELETE', url: '/invoices/inv_1' });
  // An unbounded flush would wait for the 30 s request timeout, past this test's own timeout.
  await app.close();
  expect(client.stats()).toMatchObject({ state: 'running', delivered: 0 });
  const report = await client.shutdown({ timeout: 50 });
  expect(report.pending).toBe(1);
});

test('the client the plugin creates reports delivery failures to the same onError', async () => {
  api.script(() => ({ status: 400, body: { error: 'Missing required fields' } }));
  const errors: [AuditLedgeError, ErrorContext][] = [];
  const app = await appWith({
    apiKey: 'al_x',
    baseUrl: api.url,
    flushInterval: 5,
    onError: (error, context) => errors.push([error, context]),
  });
  await app.inject({ method: 'DELETE', url: '/invoices/inv_1' });
  await app.close();
  expect(errors.map(([e, c]) => [e.code, c.operation])).toContainEqual(['AL_ERR_BAD_REQUEST', 'deliver']);
});
