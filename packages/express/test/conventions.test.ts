import { sharedAuditTrail } from '@auditledge/core/testing';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditMiddleware } from '../src/index.js';

// What real apps already do, read the way they do it: params the app replaced with the loaded
// record, request ids set by request-id middlewares, the response body in mappers, and a test
// suite that runs with no API key.
let h: AuditHarness;
let app: Express;

beforeAll(async () => {
  h = await startAuditHarness();
  app = express();
  app.use(
    auditMiddleware({
      client: h.client,
      onError: h.onError,
      // A global mapper reading the created id from the body, without editing the handler.
      resource: (_req, info) =>
        info.route === '/orders'
          ? { type: 'order', id: (info.body as { order: { number: string } }).order.number }
          : undefined,
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
  app.post('/orders', (_req, res) => {
    res.status(201).json({ order: { number: 'ORD-7' } });
  });
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

  test('mappers see the JSON body the handler answered as info.body', async () => {
    await request(app).post('/orders').expect(201);
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
    const testApp = express();
    testApp.use(auditMiddleware());
    testApp.delete('/invoices/:id', (_req, res) => {
      res.status(204).end();
    });
    await request(testApp).delete('/invoices/inv_3').expect(204);
    await new Promise((resolve) => setImmediate(resolve));
    await trail.flush();
    expect(trail.events).toContainEqual(
      expect.objectContaining({ action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_3' } }),
    );
  } finally {
    vi.unstubAllEnvs();
  }
});

test('auditFailedLogins: a 401 on the login route is user.login_failed on the user the body names, never the password', async () => {
  const loginApp = express();
  loginApp.use(express.json());
  loginApp.use(auditMiddleware({ client: h.client, onError: h.onError, auditFailedLogins: true }));
  loginApp.post('/api/users/login', (_req, res) => {
    res.status(401).json({ errors: { 'email or password': ['is invalid'] } });
  });
  await request(loginApp)
    .post('/api/users/login')
    .send({ user: { email: 'jake@jake.jake', password: 'hunter2' } })
    .expect(401);
  const events = await h.sent();
  expect(events).toMatchObject([
    {
      action: 'user.login_failed',
      actor: { id: 'anonymous' },
      resource: { type: 'user', id: 'jake@jake.jake' },
    },
  ]);
  expect(JSON.stringify(events)).not.toContain('hunter2');
});
