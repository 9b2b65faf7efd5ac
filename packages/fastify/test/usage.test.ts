import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditledge } from '../src/index.js';

let h: AuditHarness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await startAuditHarness();
  app = Fastify();
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-user'];
    if (typeof user === 'string') {
      Object.assign(request, { user: { id: user, name: 'Alice', orgId: request.headers['x-org'] } });
    }
  });
  await app.register(auditledge, { client: h.client, onError: h.onError });
  await app.register(
    async (api) => {
      api.delete('/invoices/:id', { config: { audit: { action: 'invoice.voided' } } }, async (_req, reply) =>
        reply.code(204).send(),
      );
      api.delete<{ Params: { id: string; line: string } }>(
        '/invoices/:id/lines/:line',
        {
          config: {
            audit: {
              action: 'invoice.line_removed',
              resource: (request) => {
                const params = request.params as { id: string; line: string };
                return { type: 'invoice', id: params.id, name: `line ${params.line}` };
              },
            },
          },
        },
        async (_req, reply) => reply.code(204).send(),
      );
      api.get(
        '/reports/:id/export',
        { config: { audit: { action: 'report.exported', resource: { type: 'report' } } } },
        async () => 'csv',
      );
      api.post('/archive/:id', { config: { audit: 'invoice.archived' } }, async (_req, reply) =>
        reply.code(204).send(),
      );
      api.post('/heartbeat', { config: { audit: false } }, async (_req, reply) => reply.code(204).send());
      api.patch<{ Body: { status: string } }>('/invoices/:id', async (request) => {
        request.audit.set({
          resource: { name: 'INV-001' },
          metadata: { field: 'status', old_value: 'draft', new_value: request.body.status },
        });
        return { ok: true };
      });
      api.put<{ Body: { dryRun?: boolean } }>('/invoices/:id', async (request) => {
        if (request.body.dryRun) request.audit.skip();
        return { ok: true };
      });
      api.post<{ Params: { id: string } }>('/invoices/:id/email', async (request, reply) => {
        request.audit.log({
          action: 'invoice.emailed',
          resource: { type: 'invoice', id: request.params.id },
        });
        request.audit.log({ action: 'email.sent', resource: { type: 'email', id: 'em_1' }, actor: 'mailer' });
        return reply.code(202).send();
      });
      api.get<{ Params: { id: string } }>('/invoices/:id', async (request) => {
        request.audit.log({ action: 'invoice.viewed', resource: { type: 'invoice', id: request.params.id } });
        return { id: request.params.id };
      });
    },
    { prefix: '/api' },
  );
});
beforeEach(() => {
  h.errors.length = 0;
});
afterAll(async () => {
  await app.close();
  await h.close();
});

describe('per-route config.audit', () => {
  test('{ action } names the action; the resource stays derived', async () => {
    await app.inject({ method: 'DELETE', url: '/api/invoices/inv_1', headers: { 'x-user': 'u_1' } });
    expect(await h.sent()).toMatchObject([
      {
        action: 'invoice.voided',
        resource: { type: 'invoice', id: 'inv_1' },
        actor: { id: 'u_1', name: 'Alice' },
      },
    ]);
  });

  test('{ action, resource } with a resource mapper', async () => {
    await app.inject({ method: 'DELETE', url: '/api/invoices/inv_1/lines/3' });
    const [event] = await h.sent();
    expect(event?.action).toBe('invoice.line_removed');
    expect(event?.resource).toEqual({ type: 'invoice', id: 'inv_1', name: 'line 3' });
  });

  test('a spec audits a GET route too; a string is shorthand for { action }', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/reports/r_1/export' })).body).toBe('csv');
    await app.inject({ method: 'POST', url: '/api/archive/inv_2' });
    expect((await h.sent()).map((e) => [e.action, e.resource])).toEqual([
      ['report.exported', { type: 'report', id: 'r_1' }],
      ['invoice.archived', { type: 'archive', id: 'inv_2' }],
    ]);
  });

  test('audit: false opts a mutation out', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/heartbeat' })).statusCode).toBe(204);
    expect(await h.sent()).toEqual([]);
  });

  test('a bad spec fails at route registration, not on a request', async () => {
    const bad = Fastify();
    await bad.register(auditledge, { client: h.client });
    expect(() => bad.post('/x', { config: { audit: { action: 42 as never } } }, async () => 'x')).toThrow(
      /config\.audit\.action.*route POST \/x/,
    );
    await bad.close();
  });

  test('a misspelt spec key or a config.audit of the wrong type fails at registration, naming the route', async () => {
    const bad = Fastify();
    await bad.register(auditledge, { client: h.client });
    const typo = { acton: 'invoice.sent' } as never;
    const caught = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err as { field?: string; message: string; code?: string };
      }
      throw new Error('did not throw');
    };
    const err = caught(() => bad.post('/invoices/:id/send', { config: { audit: typo } }, async () => 'x'));
    expect(err).toMatchObject({ code: 'AL_ERR_VALIDATION', field: 'config.audit.acton' });
    expect(err.message).toContain('did you mean action?');
    expect(err.message).toContain('route POST /invoices/:id/send');
    for (const audit of [42, true, null]) {
      const wrong = caught(() => bad.post('/y', { config: { audit: audit as never } }, async () => 'x'));
      expect(wrong).toMatchObject({ field: 'config.audit' });
      expect(wrong.message).toContain('route POST /y');
    }
    await bad.close();
  });
});

describe('request.audit', () => {
  test('set() adds a resource name and change metadata', async () => {
    await app.inject({ method: 'PATCH', url: '/api/invoices/inv_2', payload: { status: 'paid' } });
    expect(await h.sent()).toMatchObject([
      {
        action: 'invoice.updated',
        resource: { type: 'invoice', id: 'inv_2', name: 'INV-001' },
        metadata: { field: 'status', old_value: 'draft', new_value: 'paid', status: 200, method: 'PATCH' },
      },
    ]);
  });

  test('skip() records nothing for the request', async () => {
    await app.inject({ method: 'PUT', url: '/api/invoices/inv_3', payload: { dryRun: true } });
    expect(await h.sent()).toEqual([]);
    await app.inject({ method: 'PUT', url: '/api/invoices/inv_3', payload: {} });
    expect(await h.sent()).toHaveLength(1);
  });

  test('log() sends more events, completed with the actor and organization of the request', async () => {
    await app.inject({
      method: 'POST',
      url: '/api/invoices/inv_4/email',
      headers: { 'x-user': 'u_5', 'x-org': 'org_5' },
    });
    expect((await h.sent()).map((e) => [e.action, e.actor.id, e.organization_id, e.resource.id])).toEqual([
      ['invoice.emailed', 'u_5', 'org_5', 'inv_4'],
      ['invoice.emailed', 'u_5', 'org_5', 'inv_4'],
      ['email.sent', 'mailer', 'org_5', 'em_1'],
    ]);
  });

  test('log() works on a request that is not audited itself (a GET)', async () => {
    await app.inject({ method: 'GET', url: '/api/invoices/inv_5' });
    expect(await h.sent()).toMatchObject([{ action: 'invoice.viewed', actor: { id: 'anonymous' } }]);
    expect(h.errors).toEqual([]);
  });
});
