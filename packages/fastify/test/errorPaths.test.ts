import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditledge } from '../src/index.js';

let h: AuditHarness;
let app: FastifyInstance;

class Conflict extends Error {
  statusCode = 409;
}

beforeAll(async () => {
  h = await startAuditHarness();
  app = Fastify();
  await app.register(auditledge, {
    client: h.client,
    onError: h.onError,
    statuses: (status) => status !== 404,
  });
  await app.register(
    async (invoices) => {
      invoices.delete('/:id', async () => {
        throw new Conflict('invoice is paid');
      });
      invoices.patch('/:id', async () => {
        await Promise.resolve();
        throw new Error('database down');
      });
      invoices.put('/:id', { config: { audit: { action: 'invoice.replaced' } } }, (_request, reply) => {
        reply.code(409).send({ error: 'stale' });
      });
    },
    { prefix: '/orgs/:orgId/invoices' },
  );
});
afterAll(async () => {
  await app.close();
  await h.close();
});

test.each([
  ['DELETE', 409, 'invoice.deleted'],
  ['PATCH', 500, 'invoice.updated'],
  ['PUT', 409, 'invoice.replaced'],
] as const)(
  '%s failing with %i is still %s on the right resource and org',
  async (method, status, action) => {
    const url = '/orgs/42/invoices/inv_1';
    expect((await app.inject({ method, url })).statusCode).toBe(status);
    expect(await h.sent()).toMatchObject([
      {
        action,
        resource: { type: 'invoice', id: 'inv_1' },
        organization_id: '42',
        metadata: { status, route: '/orgs/:orgId/invoices/:id', path: url },
      },
    ]);
    expect(h.errors).toEqual([]);
  },
);

test('by default failures are not audited', async () => {
  const plain = Fastify();
  await plain.register(auditledge, { client: h.client });
  plain.delete('/invoices/:id', async () => {
    throw new Conflict('no');
  });
  expect((await plain.inject({ method: 'DELETE', url: '/invoices/inv_1' })).statusCode).toBe(409);
  expect(await h.sent()).toEqual([]);
  await plain.close();
});
