import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditMiddleware } from '../src/index.js';

// What Koa apps already do, read the way they do it: params router.param() replaced with the
// loaded record, request ids set by request-id middlewares. What every adapter does is the
// adapter contract's (test/contract).
let h: AuditHarness;
let server: ReturnType<Koa['callback']>;

beforeAll(async () => {
  h = await startAuditHarness();
  const app = new Koa();
  app.use(auditMiddleware({ client: h.client, onError: h.onError }));
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
});
