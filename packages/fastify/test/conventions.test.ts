import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditledge } from '../src/index.js';

// What Fastify apps already do, read the way they do it: params a preHandler replaced with the
// loaded record, the request id their genReqId assigns. What every adapter does is the adapter
// contract's (test/contract).
let h: AuditHarness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await startAuditHarness();
  app = Fastify({ genReqId: () => 'rid-fastify' });
  await app.register(auditledge, { client: h.client, onError: h.onError });
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
});
