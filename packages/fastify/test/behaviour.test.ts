import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { type AuditOptions, auditledge } from '../src/index.js';

let h: AuditHarness;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  h = await startAuditHarness();
});
beforeEach(() => {
  h.errors.length = 0;
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await h.close();
});

/** The same routes, with or without the plugin. */
async function build(options?: AuditOptions | false, extra?: (app: FastifyInstance) => void) {
  const app = Fastify();
  apps.push(app);
  app.decorateRequest('user', null);
  if (options !== false) await app.register(auditledge, { client: h.client, onError: h.onError, ...options });
  app.post('/invoices', async (request, reply) =>
    reply.code(201).header('x-total', '3').send({ id: 'inv_9', echo: request.body }),
  );
  app.delete<{ Params: { id: string } }>('/invoices/:id', async (request) => `deleted ${request.params.id}`);
  app.put<{ Body: { user?: unknown } }>('/invoices/:id', async (request, reply) => {
    Object.assign(request, { user: request.body?.user });
    return reply.code(204).send();
  });
  extra?.(app);
  await app.ready();
  return app;
}

function snapshot(res: LightMyRequestResponse) {
  const { date: _date, ...headers } = res.headers;
  return { status: res.statusCode, headers, body: res.body };
}

describe('the response is never touched', () => {
  test('status, headers and body are byte-for-byte the same with and without the plugin', async () => {
    const throwing = () => {
      throw new Error('mapper bug');
    };
    const bare = await build(false);
    const audited = await build({});
    const broken = await build({ resource: throwing, metadata: throwing });
    for (const [method, url] of [
      ['POST', '/invoices'],
      ['DELETE', '/invoices/inv_1'],
    ] as const) {
      const request = { method, url, payload: { amount: 5 } };
      const expected = snapshot(await bare.inject(request));
      expect(snapshot(await audited.inject(request))).toEqual(expected);
      expect(snapshot(await broken.inject(request))).toEqual(expected);
    }
    expect((await h.sent()).map((e) => [e.action, e.resource.id])).toEqual([
      ['invoice.created', 'inv_9'],
      ['invoice.deleted', 'inv_1'],
    ]);
  });

  test('a mapper that throws: no event, onError gets AL_ERR_MAPPER with route and method, never the body', async () => {
    const app = await build({
      metadata: () => {
        throw new Error('cannot read tenant');
      },
    });
    await app.inject({
      method: 'POST',
      url: '/invoices',
      headers: { authorization: 'Bearer s3cret' },
      payload: { card: '4242' },
    });
    expect(await h.sent()).toEqual([]);
    expect(h.errors).toHaveLength(1);
    const { error, context } = h.errors[0]!;
    expect(error.code).toBe('AL_ERR_MAPPER');
    expect(error.message).toContain('cannot read tenant');
    expect(context).toEqual({ operation: 'mapper', route: '/invoices', method: 'POST' });
    expect(`${error.message} ${JSON.stringify(context)}`).not.toMatch(/4242|s3cret/);
  });

  test('a mapper returning an invalid event is reported the same way', async () => {
    const app = await build({ action: () => '' });
    await app.inject({ method: 'DELETE', url: '/invoices/inv_1' });
    expect(await h.sent()).toEqual([]);
    expect(h.errors.map((e) => [e.error.code, e.context.route])).toEqual([
      ['AL_ERR_MAPPER', '/invoices/:id'],
    ]);
  });
});

describe('actor, organization, metadata', () => {
  test('request.user is the actor (id/_id/sub/userId, name/username/displayName, email); anonymous without one', async () => {
    const app = await build({});
    const put = (payload: object) => app.inject({ method: 'PUT', url: '/invoices/1', payload });
    await put({ user: { _id: 5, username: 'ann', email: 'a@x.co', orgId: 'org_u' } });
    await put({ user: { sub: 'auth0|7', displayName: 'Jo', organization_id: 'org_a' } });
    await put({});
    expect((await h.sent()).map((e) => [e.actor, e.organization_id])).toEqual([
      [{ id: '5', name: 'ann', email: 'a@x.co' }, 'org_u'],
      [{ id: 'auth0|7', name: 'Jo' }, 'org_a'],
      [{ id: 'anonymous' }, undefined],
    ]);
  });

  test('actor and organization mappers', async () => {
    const app = await build({
      actor: (request) => ({ id: String(request.headers['x-service']), name: 'Service' }),
      organization: (request) => String(request.headers['x-tenant']),
    });
    await app.inject({
      method: 'PUT',
      url: '/invoices/1',
      headers: { 'x-service': 'svc_1', 'x-tenant': 't_1' },
      payload: {},
    });
    expect(await h.sent()).toMatchObject([
      { actor: { id: 'svc_1', name: 'Service' }, organization_id: 't_1' },
    ]);
  });

  test('default metadata, merged with the metadata option, redacted; no headers or body by default', async () => {
    const app = await build({
      metadata: (request) => ({ plan: 'pro', token: request.headers['x-token'], deep: { Cookie: 'c' } }),
    });
    await app.inject({
      method: 'POST',
      url: '/invoices?draft=true',
      headers: { 'user-agent': 'ua/1', 'x-request-id': 'req_42', 'x-token': 'tok', cookie: 'sid=abc' },
      payload: { password: 'hunter2' },
    });
    const [event] = await h.sent();
    expect(event?.metadata).toEqual({
      ip: '127.0.0.1',
      user_agent: 'ua/1',
      // Fastify's own id wins over the client-sent header, as in every adapter.
      request_id: expect.stringMatching(/^req-/),
      method: 'POST',
      route: '/invoices',
      path: '/invoices',
      status: 201,
      duration_ms: expect.any(Number),
      plan: 'pro',
      token: '[REDACTED]',
      deep: { Cookie: '[REDACTED]' },
    });
    expect(JSON.stringify(event)).not.toMatch(/hunter2|sid=abc/);
  });

  test("with or without an x-request-id header the request id is Fastify's own", async () => {
    const app = await build({});
    await app.inject({ method: 'DELETE', url: '/invoices/1' });
    const [event] = await h.sent();
    expect(event?.metadata?.request_id).toMatch(/^req-/);
  });

  test('redact: extra keys, or false', async () => {
    await (await build({ redact: ['plan'], metadata: { plan: 'pro', password: 'p' } })).inject({
      method: 'DELETE',
      url: '/invoices/1',
    });
    await (await build({ redact: false, metadata: { password: 'p' } })).inject({
      method: 'DELETE',
      url: '/invoices/1',
    });
    const [extra, off] = await h.sent();
    expect(extra?.metadata).toMatchObject({ plan: '[REDACTED]', password: '[REDACTED]' });
    expect(off?.metadata).toMatchObject({ password: 'p' });
  });
});

describe('which requests', () => {
  test('methods and statuses options', async () => {
    const app = await build({ methods: ['DELETE'], statuses: [200] });
    await app.inject({ method: 'POST', url: '/invoices', payload: {} });
    await app.inject({ method: 'PUT', url: '/invoices/1', payload: {} });
    await app.inject({ method: 'DELETE', url: '/invoices/1' });
    expect((await h.sent()).map((e) => e.action)).toEqual(['invoice.deleted']);
  });

  test('skip(request, info)', async () => {
    const app = await build({
      skip: (request, info) => request.headers['x-internal'] === '1' || info.status === 201,
    });
    await app.inject({ method: 'POST', url: '/invoices', payload: {} });
    await app.inject({ method: 'DELETE', url: '/invoices/1', headers: { 'x-internal': '1' } });
    await app.inject({ method: 'DELETE', url: '/invoices/2' });
    expect((await h.sent()).map((e) => e.resource.id)).toEqual(['2']);
  });

  test('GET requests are not audited by default', async () => {
    const app = await build({}, (a) => a.get('/invoices/:id', async () => ({})));
    await app.inject({ method: 'GET', url: '/invoices/1' });
    expect(await h.sent()).toEqual([]);
  });

  test('a create with no id in the path or the body is reported, not guessed', async () => {
    const app = await build({}, (a) => {
      a.post('/notes', async (_request, reply) => reply.code(201).send('created'));
      a.post(
        '/drafts',
        {
          config: {
            audit: {
              action: 'draft.created',
              resource: (request) => ({ id: String(request.headers['x-draft']) }),
            },
          },
        },
        async (_request, reply) => reply.code(201).send(),
      );
    });
    await app.inject({ method: 'POST', url: '/notes' });
    await app.inject({ method: 'POST', url: '/drafts', headers: { 'x-draft': 'd_1' } });
    expect(await h.sent()).toMatchObject([
      { action: 'draft.created', resource: { type: 'draft', id: 'd_1' } },
    ]);
    expect(h.errors.map((e) => e.error.message)).toEqual([
      expect.stringMatching(/No resource\.id for POST \/notes/),
    ]);
  });
});
