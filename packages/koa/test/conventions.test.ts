import { sharedAuditTrail } from '@auditledge/core/testing';
import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditMiddleware } from '../src/index.js';

// What real apps already do, read the way they do it: params the app replaced with the loaded
// record, request ids set by request-id middlewares, the response body in mappers, and a test
// suite that runs with no API key.
let h: AuditHarness;
let server: ReturnType<Koa['callback']>;

beforeAll(async () => {
  h = await startAuditHarness();
  const app = new Koa();
  app.use(
    auditMiddleware({
      client: h.client,
      onError: h.onError,
      // A global mapper reading the created id from the body, without editing the handler.
      resource: (_ctx, info) =>
        info.route === '/orders'
          ? { type: 'order', id: (info.body as { order: { number: string } }).order.number }
          : undefined,
    }),
  );
  const router = new Router();
  // koa-x-request-id puts the id on ctx.id; others answer with the header.
  router.use('/ctxid', async (ctx, next) => {
    (ctx as Koa.Context & { id?: string }).id = 'rid-ctx';
    await next();
  });
  router.use('/answered', async (ctx, next) => {
    ctx.set('x-request-id', 'rid-answered');
    await next();
  });
  // RealWorld's router.param: the param becomes the loaded record.
  router.param('comment', async (id, ctx, next) => {
    (ctx.params as Record<string, unknown>).comment = { id: Number(id), body: 'loaded' };
    await next();
  });
  const ok = (ctx: Koa.Context) => {
    ctx.status = 204;
  };
  router.delete('/api/articles/:slug/comments/:comment', ok);
  router.delete('/ctxid/invoices/:id', ok);
  router.delete('/answered/invoices/:id', ok);
  router.post('/orders', (ctx) => {
    ctx.status = 201;
    ctx.body = { order: { number: 'ORD-7' } };
  });
  app.use(router.routes()).use(router.allowedMethods());
  server = app.callback();
});
afterAll(() => h.close());

describe('what apps already do', () => {
  test('a param replaced by router.param() with the loaded record is recorded as the router matched it', async () => {
    await request(server).delete('/api/articles/how-to/comments/5').expect(204);
    expect(await h.sent()).toMatchObject([
      { action: 'comment.deleted', resource: { type: 'comment', id: '5' } },
    ]);
    expect(h.errors).toEqual([]);
  });

  test('ctx.id and an answered x-request-id header are the request id', async () => {
    await request(server).delete('/ctxid/invoices/inv_1').set('x-request-id', 'client-sent').expect(204);
    await request(server).delete('/answered/invoices/inv_2').set('x-request-id', 'client-sent').expect(204);
    await request(server).delete('/api/articles/a/comments/6').set('x-request-id', 'client-sent').expect(204);
    expect((await h.sent()).map((e) => e.metadata?.request_id)).toEqual([
      'rid-ctx',
      'rid-answered',
      'client-sent',
    ]);
  });

  test('mappers see the JSON body the handler answered as info.body', async () => {
    await request(server).post('/orders').expect(201);
    expect(await h.sent()).toMatchObject([
      { action: 'order.created', resource: { type: 'order', id: 'ORD-7' } },
    ]);
  });
});

test('AUDITLEDGE_TEST=1: no key, no network; events land in the shared in-memory trail', async () => {
  vi.stubEnv('AUDITLEDGE_TEST', '1');
  vi.stubEnv('AUDITLEDGE_API_KEY', '');
  try {
    const trail = sharedAuditTrail();
    trail.clear();
    const app = new Koa();
    app.use(auditMiddleware());
    const router = new Router();
    router.delete('/invoices/:id', (ctx) => {
      ctx.status = 204;
    });
    app.use(router.routes());
    await request(app.callback()).delete('/invoices/inv_3').expect(204);
    await new Promise((resolve) => setImmediate(resolve));
    await trail.flush();
    expect(trail.events).toContainEqual(
      expect.objectContaining({ action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_3' } }),
    );
  } finally {
    vi.unstubAllEnvs();
  }
});
