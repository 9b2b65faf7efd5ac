import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { audit, auditMiddleware } from '../src/index.js';

// The final status is only known after Koa's own error handling has answered: the adapter
// reads it in on-finished, with the route taken from ctx.matched, which survives the throw.
let h: AuditHarness;
let server: ReturnType<Koa['callback']>;

beforeAll(async () => {
  h = await startAuditHarness();
  const app = new Koa();
  app.silent = true;
  app.use(auditMiddleware({ client: h.client, onError: h.onError, statuses: (status) => status !== 404 }));
  const invoices = new Router();
  invoices.delete('/:id', (ctx) => {
    ctx.throw(409, 'invoice is paid');
  });
  invoices.patch('/:id', async () => {
    await Promise.resolve();
    throw new Error('database down');
  });
  invoices.put('/:id', audit('invoice.replaced'), (ctx) => {
    ctx.throw(409, 'stale');
  });
  const org = new Router({ prefix: '/orgs/:orgId' });
  org.use('/invoices', invoices.routes());
  app.use(org.routes());
  server = app.callback();
});
afterAll(() => h.close());

test.each([
  ['delete', '/orgs/42/invoices/inv_1', 409, 'invoice.deleted'],
  ['patch', '/orgs/42/invoices/inv_1', 500, 'invoice.updated'],
  ['put', '/orgs/42/invoices/inv_1', 409, 'invoice.replaced'],
] as const)(
  '%s %s failing with %i is still %s on the right resource and org',
  async (method, path, status, action) => {
    await request(server)[method](path).expect(status);
    expect(await h.sent()).toMatchObject([
      {
        action,
        resource: { type: 'invoice', id: 'inv_1' },
        organization_id: '42',
        metadata: { status, route: '/orgs/:orgId/invoices/:id', path },
      },
    ]);
    expect(h.errors).toEqual([]);
  },
);

test('by default failures are not audited', async () => {
  const plain = new Koa();
  plain.silent = true;
  plain.use(auditMiddleware({ client: h.client }));
  const router = new Router();
  router.delete('/invoices/:id', (ctx) => {
    ctx.throw(409, 'no');
  });
  plain.use(router.routes());
  await request(plain.callback()).delete('/invoices/inv_1').expect(409);
  expect(await h.sent()).toEqual([]);
});

test('an unmatched route (404) is not audited, even with every status included', async () => {
  const all = new Koa();
  all.use(auditMiddleware({ client: h.client, statuses: () => true }));
  all.use(new Router().routes());
  await request(all.callback()).post('/nowhere').expect(404);
  await request(server).delete('/orgs/42/nothing').expect(404);
  expect(await h.sent()).toEqual([]);
});
