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
  const ok = (ctx: Koa.Context) => {
    ctx.status = 204;
  };

  const root = new Router();
  root.delete('/invoices/:id', ok);
  root.put('/invoices/:id', ok);
  root.patch('/invoices/:id', ok);
  root.post('/invoices', (ctx) => {
    ctx.status = 201;
    ctx.body = { id: 'inv_9', total: 10 };
  });
  root.post('/invoices/:id/send', ok);

  // RealWorld ("Conduit") shapes: an action undone, a create keyed under its type, the
  // current user, a login.
  root.delete('/api/articles/:slug/favorite', ok);
  root.post('/api/articles', (ctx) => {
    ctx.status = 201;
    ctx.body = { article: { slug: 'how-to', title: 'How to' } };
  });
  root.put('/api/user', (ctx) => {
    ctx.state.user = { id: 'u_7', username: 'ann' };
    ctx.body = { user: { username: 'ann' } };
  });
  root.post('/api/users/login', (ctx) => {
    ctx.body = {
      user: {
        username: 'jake',
        email: 'jake@x.io',
        token: `h.${Buffer.from(JSON.stringify({ id: 5, username: 'jake' })).toString('base64url')}.s`,
      },
    };
  });
  root.get('/invoices/new', (ctx) => {
    ctx.body = 'form';
  });

  // A router nested in a prefixed router, with a later router.use() layer.
  const keys = new Router();
  keys.delete('/:keyId', ok);
  // Calls next(), so the later router.use() layer runs and overwrites ctx._matchedRoute.
  keys.patch('/:keyId', async (ctx, next) => {
    ctx.status = 204;
    await next();
  });
  const org = new Router({ prefix: '/orgs/:orgId' });
  org.use('/api-keys', keys.routes(), keys.allowedMethods());
  org.use(async (_ctx, next) => next());

  const v1 = new Router({ prefix: '/v1' });
  v1.patch('/companies/:id', ok);
  v1.post('/addresses', (ctx) => {
    ctx.status = 201;
    ctx.body = { id: 12 };
  });

  for (const router of [root, org, v1]) app.use(router.routes()).use(router.allowedMethods());
  server = app.callback();
});
afterAll(() => h.close());

// The default derivation table of DESIGN.md section 6, on a real Koa app with @koa/router.
describe('default derivation', () => {
  test.each([
    ['delete', '/invoices/inv_1', 'invoice.deleted', { type: 'invoice', id: 'inv_1' }, '/invoices/:id'],
    ['put', '/invoices/inv_2', 'invoice.updated', { type: 'invoice', id: 'inv_2' }, '/invoices/:id'],
    ['patch', '/invoices/inv_3', 'invoice.updated', { type: 'invoice', id: 'inv_3' }, '/invoices/:id'],
    ['post', '/invoices', 'invoice.created', { type: 'invoice', id: 'inv_9' }, '/invoices'],
    ['post', '/invoices/inv_4/send', 'invoice.sent', { type: 'invoice', id: 'inv_4' }, '/invoices/:id/send'],
    ['patch', '/v1/companies/c_1', 'company.updated', { type: 'company', id: 'c_1' }, '/v1/companies/:id'],
    [
      'delete',
      '/api/articles/how-to/favorite',
      'article.unfavorited',
      { type: 'article', id: 'how-to' },
      '/api/articles/:slug/favorite',
    ],
    ['post', '/api/articles', 'article.created', { type: 'article', id: 'how-to' }, '/api/articles'],
    ['put', '/api/user', 'user.updated', { type: 'user', id: 'u_7' }, '/api/user'],
    ['post', '/api/users/login', 'user.logged_in', { type: 'user', id: '5' }, '/api/users/login'],
    ['post', '/v1/addresses?draft=1', 'address.created', { type: 'address', id: '12' }, '/v1/addresses'],
    ['delete', '/invoices/new', 'invoice.deleted', { type: 'invoice', id: 'new' }, '/invoices/:id'],
  ] as const)('%s %s -> %s', async (method, path, action, resource, route) => {
    await request(server)
      [method](path)
      .expect((res) => expect(res.status).toBeLessThan(300));
    const [event, ...rest] = await h.sent();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ action, resource, metadata: { route, path: path.split('?')[0] } });
    expect(event).not.toHaveProperty('organization_id');
  });

  test('DELETE /orgs/:orgId/api-keys/:keyId through a prefixed, nested router -> api_key.deleted in the org', async () => {
    await request(server).delete('/orgs/42/api-keys/key_7').expect(204);
    expect(await h.sent()).toMatchObject([
      {
        action: 'api_key.deleted',
        resource: { type: 'api_key', id: 'key_7' },
        organization_id: '42',
        metadata: {
          route: '/orgs/:orgId/api-keys/:keyId',
          path: '/orgs/42/api-keys/key_7',
          method: 'DELETE',
        },
      },
    ]);
    expect(h.errors).toEqual([]);
  });

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
