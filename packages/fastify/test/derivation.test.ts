import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import auditledge from '../src/index.js';

let h: AuditHarness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await startAuditHarness();
  app = Fastify();
  await app.register(auditledge, { client: h.client, onError: h.onError });
  const ok = async (_request: unknown, reply: { code(n: number): { send(): void } }) =>
    reply.code(204).send();

  app.delete('/invoices/:id', ok);
  app.put('/invoices/:id', ok);
  app.patch('/invoices/:id', ok);
  app.post('/invoices', async (_request, reply) => reply.code(201).send({ id: 'inv_9', total: 10 }));
  app.post('/invoices/:id/send', ok);

  // RealWorld ("Conduit") shapes: an action undone, a create keyed under its type, the
  // current user, a login.
  app.delete('/api/articles/:slug/favorite', ok);
  app.post('/api/articles', async (_request, reply) =>
    reply.code(201).send({ article: { slug: 'how-to', title: 'How to' } }),
  );
  app.put('/api/user', async (request) => {
    (request as typeof request & { user?: unknown }).user = { id: 'u_7', username: 'ann' };
    return { user: { username: 'ann' } };
  });
  app.post('/api/users/login', async () => ({
    user: {
      username: 'jake',
      email: 'jake@x.io',
      token: `h.${Buffer.from(JSON.stringify({ id: 5, username: 'jake' })).toString('base64url')}.s`,
    },
  }));

  // Nested plugins with prefixes: the route's url carries both.
  const keys: FastifyPluginAsync = async (instance) => {
    instance.delete('/:keyId', ok);
  };
  const org: FastifyPluginAsync = async (instance) => {
    await instance.register(keys, { prefix: '/api-keys' });
  };
  await app.register(org, { prefix: '/orgs/:orgId' });
  await app.register(
    async (v1) => {
      v1.patch('/companies/:id', ok);
      v1.post('/addresses', async (_request, reply) => reply.code(201).send({ id: 12 }));
    },
    { prefix: '/v1' },
  );
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await h.close();
});

// The default derivation table of DESIGN.md section 6, on a real Fastify app.
describe('default derivation', () => {
  test.each([
    ['DELETE', '/invoices/inv_1', 'invoice.deleted', { type: 'invoice', id: 'inv_1' }, '/invoices/:id'],
    ['PUT', '/invoices/inv_2', 'invoice.updated', { type: 'invoice', id: 'inv_2' }, '/invoices/:id'],
    ['PATCH', '/invoices/inv_3', 'invoice.updated', { type: 'invoice', id: 'inv_3' }, '/invoices/:id'],
    ['POST', '/invoices', 'invoice.created', { type: 'invoice', id: 'inv_9' }, '/invoices'],
    ['POST', '/invoices/inv_4/send', 'invoice.sent', { type: 'invoice', id: 'inv_4' }, '/invoices/:id/send'],
    ['PATCH', '/v1/companies/c_1', 'company.updated', { type: 'company', id: 'c_1' }, '/v1/companies/:id'],
    [
      'DELETE',
      '/api/articles/how-to/favorite',
      'article.unfavorited',
      { type: 'article', id: 'how-to' },
      '/api/articles/:slug/favorite',
    ],
    ['POST', '/api/articles', 'article.created', { type: 'article', id: 'how-to' }, '/api/articles'],
    ['PUT', '/api/user', 'user.updated', { type: 'user', id: 'u_7' }, '/api/user'],
    ['POST', '/api/users/login', 'user.logged_in', { type: 'user', id: '5' }, '/api/users/login'],
    ['POST', '/v1/addresses?draft=1', 'address.created', { type: 'address', id: '12' }, '/v1/addresses'],
  ] as const)('%s %s -> %s', async (method, url, action, resource, route) => {
    const res = await app.inject({ method, url });
    expect(res.statusCode).toBeLessThan(300);
    const [event, ...rest] = await h.sent();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ action, resource, metadata: { route, path: url.split('?')[0] } });
    expect(event).not.toHaveProperty('organization_id');
  });

  test('DELETE /orgs/:orgId/api-keys/:keyId through nested prefixed plugins -> api_key.deleted in the org', async () => {
    expect((await app.inject({ method: 'DELETE', url: '/orgs/42/api-keys/key_7' })).statusCode).toBe(204);
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

  test('an unmatched route (404) is not audited, even with every status included', async () => {
    const all = Fastify();
    await all.register(auditledge, { client: h.client, statuses: () => true });
    expect((await all.inject({ method: 'POST', url: '/nowhere' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/nothing/here' })).statusCode).toBe(404);
    expect(await h.sent()).toEqual([]);
    await all.close();
  });
});
