import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditMiddleware } from '../src/index.js';

let h: AuditHarness;
let app: Express;

beforeAll(async () => {
  h = await startAuditHarness();
  app = express();
  app.use(auditMiddleware({ client: h.client, onError: h.onError }));
  const ok = (_req: express.Request, res: express.Response) => {
    res.status(204).end();
  };

  // Routes on the app itself.
  app.delete('/invoices/:id', ok);
  app.put('/invoices/:id', ok);
  app.patch('/invoices/:id', ok);
  app.post('/invoices', (_req, res) => {
    res.status(201).json({ id: 'inv_9', total: 10 });
  });
  app.post('/invoices/:id/send', ok);

  // RealWorld ("Conduit") shapes: an action undone, a create keyed under its type, the
  // current user, a login.
  app.delete('/api/articles/:slug/favorite', ok);
  app.post('/api/articles', (_req, res) => {
    res.status(201).json({ article: { slug: 'how-to', title: 'How to' } });
  });
  app.put('/api/user', (req, res) => {
    (req as express.Request & { user?: unknown }).user = { id: 'u_7', username: 'ann' };
    res.json({ user: { username: 'ann' } });
  });
  app.post('/api/users/login', (_req, res) => {
    res.json({
      user: {
        username: 'jake',
        email: 'jake@x.io',
        token: `h.${Buffer.from(JSON.stringify({ id: 5, username: 'jake' })).toString('base64url')}.s`,
      },
    });
  });

  // A router in a router, mounted under a param, none with mergeParams.
  const keys = express.Router();
  keys.delete('/:keyId', ok);
  const org = express.Router();
  org.use('/api-keys', keys);
  app.use('/orgs/:orgId', org);

  // A versioned API mounted under a prefix.
  const v1 = express.Router();
  v1.patch('/companies/:id', ok);
  v1.post('/addresses', (_req, res) => {
    res.status(201).send({ id: 12 });
  });
  app.use('/v1', v1);
});
afterAll(() => h.close());

// The default derivation table of DESIGN.md section 6, on a real Express app.
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
  ] as const)('%s %s -> %s', async (method, path, action, resource, route) => {
    await request(app)
      [method](path)
      .expect((res) => expect(res.status).toBeLessThan(300));
    const [event, ...rest] = await h.sent();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ action, resource, metadata: { route, path: path.split('?')[0] } });
    expect(event).not.toHaveProperty('organization_id');
  });

  test('DELETE /orgs/:orgId/api-keys/:keyId through nested routers -> api_key.deleted in the org', async () => {
    await request(app).delete('/orgs/42/api-keys/key_7').expect(204);
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

  test('a param value that looks like a literal segment still gets the right template', async () => {
    await request(app).delete('/orgs/orgs/api-keys/api-keys').expect(204);
    expect(await h.sent()).toMatchObject([
      {
        resource: { type: 'api_key', id: 'api-keys' },
        organization_id: 'orgs',
        metadata: { route: '/orgs/:orgId/api-keys/:keyId' },
      },
    ]);
  });
});

// Express matches mounts case-insensitively: the template is the mount path as declared, never
// the URL's casing (`/V1/COMPANIES/c_2` was recorded under `/V1/companies/:id`).
describe('mount paths as declared', () => {
  test.each([
    ['/ORGS/42/API-KEYS/key_8', 'api_key.deleted', '/orgs/:orgId/api-keys/:keyId', 'delete'],
    ['/Orgs/42/Api-Keys/key_9', 'api_key.deleted', '/orgs/:orgId/api-keys/:keyId', 'delete'],
    ['/V1/companies/c_2', 'company.updated', '/v1/companies/:id', 'patch'],
  ] as const)('%s -> %s on %s', async (path, action, route, method) => {
    await request(app)[method](path).expect(204);
    expect(await h.sent()).toMatchObject([{ action, metadata: { route, path } }]);
    expect(h.errors).toEqual([]);
  });
});
