import type { AddressInfo } from 'node:net';
import type { AuditLedgeError, ErrorContext } from '@auditledge/core';
import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import { type AuditMiddleware, auditMiddleware } from '../src/index.js';

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

function appWith(audit: AuditMiddleware): Koa {
  const app = new Koa();
  app.use(audit);
  const router = new Router();
  router.delete('/invoices/:id', (ctx) => {
    ctx.status = 204;
  });
  router.post('/invoices', (ctx) => {
    ctx.status = 201;
    ctx.body = { id: 'inv_1' };
  });
  app.use(router.routes());
  return app;
}

test('with no options at all: the client comes from AUDITLEDGE_API_KEY and AUDITLEDGE_BASE_URL', async () => {
  process.env.AUDITLEDGE_API_KEY = 'al_from_env';
  process.env.AUDITLEDGE_BASE_URL = api.url;
  const audit = auditMiddleware();
  await request(appWith(audit).callback()).delete('/invoices/inv_1').expect(204);
  await new Promise((resolve) => setImmediate(resolve));
  await audit.client.shutdown({ timeout: 2000 });
  expect(api.stored).toMatchObject([
    { action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_1' }, actor: { id: 'anonymous' } },
  ]);
  expect(api.received.at(-1)?.headers.authorization).toBe('Bearer al_from_env');
});

test('with no client, no apiKey and no AUDITLEDGE_API_KEY it throws AL_ERR_CONFIG at setup', () => {
  delete process.env.AUDITLEDGE_API_KEY;
  expect(() => auditMiddleware()).toThrow(expect.objectContaining({ code: 'AL_ERR_CONFIG' }));
});

test('graceful shutdown: server.close(() => audit.client.shutdown()) loses no event', async () => {
  // A long flush interval: only shutdown() can deliver these events.
  const audit = auditMiddleware({
    apiKey: 'al_shutdown',
    baseUrl: api.url,
    flushInterval: 60_000,
    flushAt: 1000,
  });
  const server = appWith(audit).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const statuses = await Promise.all(
    [1, 2, 3].map(() => fetch(`http://127.0.0.1:${port}/invoices`, { method: 'POST' }).then((r) => r.status)),
  );
  expect(statuses).toEqual([201, 201, 201]);
  expect(api.stored).toEqual([]);
  const report = await new Promise((resolve) => server.close(() => resolve(audit.client.shutdown())));
  expect(report).toMatchObject({ pending: 0 });
  expect(api.stored).toHaveLength(3);
});

test('the client the middleware creates reports delivery failures to the same onError', async () => {
  api.script(() => ({ status: 400, body: { error: 'Missing required fields' } }));
  const errors: [AuditLedgeError, ErrorContext][] = [];
  const audit = auditMiddleware({
    apiKey: 'al_x',
    baseUrl: api.url,
    flushInterval: 5,
    onError: (error, context) => errors.push([error, context]),
  });
  await request(appWith(audit).callback()).delete('/invoices/inv_1').expect(204);
  await new Promise((resolve) => setImmediate(resolve));
  await audit.client.flush();
  expect(errors.map(([e, c]) => [e.code, c.operation])).toContainEqual(['AL_ERR_BAD_REQUEST', 'deliver']);
  await audit.client.shutdown({ timeout: 100 });
});
