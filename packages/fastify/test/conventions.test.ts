import { sharedAuditTrail } from '@auditledge/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditledge } from '../src/index.js';

// What real apps already do, read the way they do it: params a hook replaced with the loaded
// record, the request id Fastify assigns, the response body in mappers, and a test suite that
// runs with no API key.
let h: AuditHarness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await startAuditHarness();
  app = Fastify({ genReqId: () => 'rid-fastify' });
  await app.register(auditledge, {
    client: h.client,
    onError: h.onError,
    // A global mapper reading the created id from the body, without editing the handler.
    resource: (_request, info) =>
      info.route === '/orders'
        ? { type: 'order', id: (info.body as { order: { number: string } }).order.number }
        : undefined,
  });
  app.delete(
    '/api/articles/:slug/comments/:comment',
    {
      // A preHandler that loads the record into the params, as apps ported from Express do.
      preHandler: async (request) => {
        const params = request.params as Record<string, unknown>;
        params.comment = { id: Number(params.comment), body: 'loaded' };
      },
    },
    async (_request, reply) => reply.code(204).send(),
  );
  app.post('/orders', async (_request, reply) => reply.code(201).send({ order: { number: 'ORD-7' } }));
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await h.close();
});

describe('what apps already do', () => {
  test('a param replaced with the loaded record is recorded as the router matched it; request.id is the request id', async () => {
    const res = await app.inject({
      method: 'DELETE',
      url: '/api/articles/how-to/comments/5',
      headers: { 'x-request-id': 'client-sent' },
    });
    expect(res.statusCode).toBe(204);
    expect(await h.sent()).toMatchObject([
      {
        action: 'comment.deleted',
        resource: { type: 'comment', id: '5' },
        metadata: { request_id: 'rid-fastify' },
      },
    ]);
    expect(h.errors).toEqual([]);
  });

  test('mappers see the JSON body the handler answered as info.body', async () => {
    expect((await app.inject({ method: 'POST', url: '/orders' })).statusCode).toBe(201);
    expect(await h.sent()).toMatchObject([
      { action: 'order.created', resource: { type: 'order', id: 'ORD-7' } },
    ]);
  });
});

test('AUDITLEDGE_TEST=1: no key, no network; events land in the shared in-memory trail', async () => {
  vi.stubEnv('AUDITLEDGE_TEST', '1');
  vi.stubEnv('AUDITLEDGE_API_KEY', '');
  const testApp = Fastify();
  try {
    const trail = sharedAuditTrail();
    trail.clear();
    await testApp.register(auditledge);
    testApp.delete('/invoices/:id', async (_request, reply) => reply.code(204).send());
    expect((await testApp.inject({ method: 'DELETE', url: '/invoices/inv_3' })).statusCode).toBe(204);
    await trail.flush();
    expect(trail.events).toContainEqual(
      expect.objectContaining({ action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_3' } }),
    );
  } finally {
    await testApp.close();
    vi.unstubAllEnvs();
  }
});

test('auditFailedLogins: a 401 on the login route is user.login_failed on the user the body names, never the password', async () => {
  const loginApp = Fastify();
  try {
    await loginApp.register(auditledge, { client: h.client, onError: h.onError, auditFailedLogins: true });
    loginApp.post('/api/users/login', async (_request, reply) =>
      reply.code(401).send({ errors: { 'email or password': ['is invalid'] } }),
    );
    const res = await loginApp.inject({
      method: 'POST',
      url: '/api/users/login',
      payload: { user: { email: 'jake@jake.jake', password: 'hunter2' } },
    });
    expect(res.statusCode).toBe(401);
    const events = await h.sent();
    expect(events).toMatchObject([
      {
        action: 'user.login_failed',
        actor: { id: 'anonymous' },
        resource: { type: 'user', id: 'jake@jake.jake' },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('hunter2');
  } finally {
    await loginApp.close();
  }
});
