import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { audit, auditMiddleware } from '../src/index.js';

// Express's router restores req.baseUrl and req.params when a handler fails, so by the time the
// response finishes they describe the app, not the route: the adapter must have captured them.
let h: AuditHarness;
let app: Express;

class Conflict extends Error {
  status = 409;
}

beforeAll(async () => {
  h = await startAuditHarness();
  app = express();
  app.use(auditMiddleware({ client: h.client, onError: h.onError, statuses: (status) => status !== 404 }));
  const invoices = express.Router();
  invoices.delete('/:id', () => {
    throw new Conflict('invoice is paid');
  });
  // An asynchronous failure, handed to next() as Express 4 needs (Express 5 also catches a
  // rejected promise itself; both paths end in the same error handler).
  invoices.patch('/:id', (_req, _res, next) => {
    Promise.resolve()
      .then(() => {
        throw new Error('database down');
      })
      .catch(next);
  });
  invoices.post('/:id/send', (_req, _res, next) => {
    next(new Conflict('already sent'));
  });
  invoices.put('/:id', audit('invoice.replaced'), () => {
    throw new Conflict('stale');
  });
  const org = express.Router();
  org.use('/invoices', invoices);
  app.use('/orgs/:orgId', org);
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(err.status ?? 500).json({ error: err.message });
  });
});
afterAll(() => h.close());

test.each([
  ['delete', '/orgs/42/invoices/inv_1', 409, 'invoice.deleted'],
  ['patch', '/orgs/42/invoices/inv_1', 500, 'invoice.updated'],
  ['post', '/orgs/42/invoices/inv_1/send', 409, 'invoice.sent'],
  ['put', '/orgs/42/invoices/inv_1', 409, 'invoice.replaced'],
] as const)(
  '%s %s failing with %i is still %s on the right resource and org',
  async (method, path, status, action) => {
    await request(app)[method](path).expect(status);
    expect(await h.sent()).toMatchObject([
      {
        action,
        resource: { type: 'invoice', id: 'inv_1' },
        organization_id: '42',
        metadata: { status, route: expect.stringMatching(/^\/orgs\/:orgId\/invoices\/:id/), path },
      },
    ]);
    expect(h.errors).toEqual([]);
  },
);

test('by default failures are not audited', async () => {
  const plain = express();
  plain.use(auditMiddleware({ client: h.client }));
  plain.delete('/invoices/:id', () => {
    throw new Conflict('no');
  });
  await request(plain).delete('/invoices/inv_1').expect(409);
  expect(await h.sent()).toEqual([]);
});

test('an unmatched route (404) is not audited, even with every status included', async () => {
  await request(app).delete('/orgs/42/nothing/here').expect(404);
  const all = express();
  all.use(auditMiddleware({ client: h.client, statuses: () => true }));
  await request(all).post('/nowhere').expect(404);
  expect(await h.sent()).toEqual([]);
});
