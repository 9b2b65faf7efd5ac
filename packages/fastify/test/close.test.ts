import { AuditLedge } from '@auditledge/core';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import auditledge, { type AuditOptions } from '../src/index.js';

// What app.close() does to a client the app passed in: flushed, bounded, left running. The
// plugin's own client (shut down on close) and the rest of the lifecycle are the adapter
// contract's (test/contract/lifecycle.ts).
let api: ScriptedApi;

beforeAll(async () => {
  api = await startScriptedApi();
});
afterEach(() => {
  api.stored.length = 0;
  api.script(() => undefined);
});
afterAll(() => api.close());

async function appWith(options: AuditOptions) {
  const app = Fastify();
  await app.register(auditledge, options);
  app.delete('/invoices/:id', async (_request, reply) => reply.code(204).send());
  return app;
}

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
