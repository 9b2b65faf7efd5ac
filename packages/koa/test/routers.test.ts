import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditMiddleware } from '../src/index.js';

let h: AuditHarness;
let server: ReturnType<Koa['callback']>;

beforeAll(async () => {
  h = await startAuditHarness();
  const app = new Koa();
  app.use(auditMiddleware({ client: h.client, onError: h.onError }));
  // A router nested in a prefixed router, with a later router.use() layer.
  const keys = new Router();
  // Calls next(), so the later router.use() layer runs and overwrites ctx._matchedRoute.
  keys.patch('/:keyId', async (ctx, next) => {
    ctx.status = 204;
    await next();
  });
  const org = new Router({ prefix: '/orgs/:orgId' });
  org.use('/api-keys', keys.routes(), keys.allowedMethods());
  org.use(async (_ctx, next) => next());

  app.use(org.routes()).use(org.allowedMethods());
  server = app.callback();
});
afterAll(() => h.close());

// @koa/router's own: later router.use() layers and allowedMethods(). The derivation table through
// prefixed and nested routers is the adapter contract's (test/contract/derivation.ts).
describe('@koa/router', () => {
  test('a router.use() layer that runs after the route does not rename it', async () => {
    await request(server).patch('/orgs/42/api-keys/key_8').expect(204);
    expect(await h.sent()).toMatchObject([
      {
        action: 'api_key.updated',
        resource: { id: 'key_8' },
        metadata: { route: '/orgs/:orgId/api-keys/:keyId' },
      },
    ]);
  });

  test('a method the route does not have (405) is not audited', async () => {
    const app = new Koa();
    app.use(auditMiddleware({ client: h.client, statuses: () => true }));
    const router = new Router();
    router.delete('/invoices/:id', (ctx) => {
      ctx.status = 204;
    });
    app.use(router.routes()).use(router.allowedMethods());
    await request(app.callback()).put('/invoices/1').expect(405);
    await request(app.callback()).post('/nowhere').expect(404);
    expect(await h.sent()).toEqual([]);
  });
});
