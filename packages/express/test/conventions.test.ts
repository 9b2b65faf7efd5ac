import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditMiddleware } from '../src/index.js';

// What Express apps already do, read the way they do it: params app.param() replaced with the
// loaded record, request ids set by request-id middlewares, express-jwt's req.auth. What every
// adapter does is the adapter contract's (test/contract).
let h: AuditHarness;
let app: Express;

beforeAll(async () => {
  h = await startAuditHarness();
  app = express();
  app.use(
    auditMiddleware({
      client: h.client,
      onError: h.onError,
    }),
  );
  // pino-http gives each request a numeric id.
  app.use('/pino', (req, _res, next) => {
    (req as express.Request & { id?: unknown }).id = 42;
    next();
  });
  // An app that answers with its own request id header.
  app.use('/answered', (_req, res, next) => {
    res.setHeader('x-request-id', 'rid-answered');
    next();
  });
  // RealWorld's app.param: the param becomes the loaded record.
  app.param('comment', (req, _res, next, id) => {
    (req.params as Record<string, unknown>).comment = { id: Number(id), body: 'loaded', author: { id: 1 } };
    next();
  });
  const ok = (_req: express.Request, res: express.Response) => {
    res.status(204).end();
  };
  app.delete('/api/articles/:slug/comments/:comment', ok);
  app.delete('/pino/invoices/:id', ok);
  app.delete('/answered/invoices/:id', ok);
});
afterAll(() => h.close());

describe('what apps already do', () => {
  test('a param replaced by app.param() with the loaded record is recorded as the router matched it', async () => {
    await request(app).delete('/api/articles/how-to/comments/5').expect(204);
    expect(await h.sent()).toMatchObject([
      { action: 'comment.deleted', resource: { type: 'comment', id: '5' } },
    ]);
    expect(h.errors).toEqual([]);
  });

  test("pino-http's numeric req.id and an answered x-request-id header are the request id", async () => {
    await request(app).delete('/pino/invoices/inv_1').set('x-request-id', 'client-sent').expect(204);
    await request(app).delete('/answered/invoices/inv_2').set('x-request-id', 'client-sent').expect(204);
    await request(app).delete('/api/articles/a/comments/6').set('x-request-id', 'client-sent').expect(204);
    expect((await h.sent()).map((e) => e.metadata?.request_id)).toEqual([
      '42',
      'rid-answered',
      'client-sent',
    ]);
  });
});

test('req.auth (express-jwt claims, sub as id) is the actor when there is no req.user; req.user wins', async () => {
  const authApp = express();
  authApp.use(express.json());
  authApp.use((req, _res, next) => {
    Object.assign(req, req.body);
    next();
  });
  authApp.use(auditMiddleware({ client: h.client, onError: h.onError }));
  authApp.put('/invoices/:id', (_req, res) => {
    res.sendStatus(204);
  });
  const auth = { sub: 'auth0|7', name: 'Jo', organization_id: 'org_a' };
  await request(authApp).put('/invoices/1').send({ auth }).expect(204);
  await request(authApp)
    .put('/invoices/2')
    .send({ auth, user: { id: 'u_1', orgId: 'org_u' } })
    .expect(204);
  expect((await h.sent()).map((e) => [e.actor, e.organization_id])).toEqual([
    [{ id: 'auth0|7', name: 'Jo' }, 'org_a'],
    [{ id: 'u_1' }, 'org_u'],
  ]);
});
