import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import type { AuditOptions } from '../src/index.js';
import { audit, auditMiddleware } from '../src/index.js';

let h: AuditHarness;
beforeAll(async () => {
  h = await startAuditHarness();
});
beforeEach(() => {
  h.errors.length = 0;
});
afterAll(() => h.close());

async function jsonBody(ctx: Koa.Context): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of ctx.req) text += chunk;
  return text === '' ? {} : JSON.parse(text);
}

/** The same routes, with or without the adapter. */
function build(options?: AuditOptions | false, extra?: (router: Router) => void) {
  const app = new Koa();
  if (options !== false) app.use(auditMiddleware({ client: h.client, onError: h.onError, ...options }));
  const router = new Router();
  router.post('/invoices', async (ctx) => {
    ctx.status = 201;
    ctx.set('x-total', '3');
    ctx.body = { id: 'inv_9', echo: await jsonBody(ctx) };
  });
  router.delete('/invoices/:id', (ctx) => {
    ctx.body = `deleted ${ctx.params.id}`;
  });
  router.put('/invoices/:id', async (ctx) => {
    const body = await jsonBody(ctx);
    ctx.state.user = body.user;
    ctx.status = 204;
  });
  extra?.(router);
  app.use(router.routes()).use(router.allowedMethods());
  return app.callback();
}

function snapshot(res: request.Response) {
  const { date: _date, ...headers } = res.headers;
  return { status: res.status, headers, body: res.text };
}

describe('the response is never touched', () => {
  test('status, headers and body are byte-for-byte the same with and without the adapter', async () => {
    const throwing = () => {
      throw new Error('mapper bug');
    };
    for (const path of ['/invoices', '/invoices/inv_1']) {
      const method = path === '/invoices' ? 'post' : 'delete';
      const bare = await request(build(false))[method](path).send({ amount: 5 });
      const audited = await request(build({}))[method](path).send({ amount: 5 });
      const broken = await request(build({ resource: throwing, metadata: throwing }))
        [method](path)
        .send({ amount: 5 });
      expect(snapshot(audited)).toEqual(snapshot(bare));
      expect(snapshot(broken)).toEqual(snapshot(bare));
    }
    expect((await h.sent()).map((e) => [e.action, e.resource.id])).toEqual([
      ['invoice.created', 'inv_9'],
      ['invoice.deleted', 'inv_1'],
    ]);
  });

  test('a mapper that throws: no event, onError gets AL_ERR_MAPPER with route and method, never the body', async () => {
    const server = build({
      metadata: () => {
        throw new Error('cannot read tenant');
      },
    });
    await request(server)
      .post('/invoices')
      .set('authorization', 'Bearer s3cret')
      .send({ card: '4242' })
      .expect(201);
    expect(await h.sent()).toEqual([]);
    expect(h.errors).toHaveLength(1);
    const { error, context } = h.errors[0]!;
    expect(error.code).toBe('AL_ERR_MAPPER');
    expect(error.message).toContain('cannot read tenant');
    expect(context).toEqual({ operation: 'mapper', route: '/invoices', method: 'POST' });
    expect(`${error.message} ${JSON.stringify(context)}`).not.toMatch(/4242|s3cret/);
  });

  test('a mapper returning an invalid event is reported the same way', async () => {
    await request(build({ action: () => '' }))
      .delete('/invoices/inv_1')
      .expect(200);
    expect(await h.sent()).toEqual([]);
    expect(h.errors.map((e) => [e.error.code, e.context.route])).toEqual([
      ['AL_ERR_MAPPER', '/invoices/:id'],
    ]);
  });
});

describe('actor, organization, metadata', () => {
  test('ctx.state.user is the actor (id/_id/sub/userId, name/username/displayName, email); anonymous without one', async () => {
    const server = build({});
    await request(server)
      .put('/invoices/1')
      .send({ user: { _id: 5, username: 'ann', email: 'a@x.co', orgId: 'org_u' } });
    await request(server)
      .put('/invoices/2')
      .send({ user: { sub: 'auth0|7', displayName: 'Jo', organization_id: 'org_a' } });
    await request(server).put('/invoices/3').send({});
    expect((await h.sent()).map((e) => [e.actor, e.organization_id])).toEqual([
      [{ id: '5', name: 'ann', email: 'a@x.co' }, 'org_u'],
      [{ id: 'auth0|7', name: 'Jo' }, 'org_a'],
      [{ id: 'anonymous' }, undefined],
    ]);
  });

  test('actor and organization mappers', async () => {
    const server = build({
      actor: (ctx) => ({ id: ctx.get('x-service'), name: 'Service' }),
      organization: (ctx) => ctx.get('x-tenant'),
    });
    await request(server).put('/invoices/1').set('x-service', 'svc_1').set('x-tenant', 't_1').send({});
    expect(await h.sent()).toMatchObject([
      { actor: { id: 'svc_1', name: 'Service' }, organization_id: 't_1' },
    ]);
  });

  test('default metadata, merged with the metadata option, redacted; no headers or body by default', async () => {
    const server = build({
      metadata: (ctx) => ({ plan: 'pro', token: ctx.get('x-token'), deep: { Cookie: 'c' } }),
    });
    await request(server)
      .post('/invoices?draft=true')
      .set('user-agent', 'ua/1')
      .set('x-request-id', 'req_42')
      .set('x-token', 'tok')
      .set('cookie', 'sid=abc')
      .send({ password: 'hunter2' })
      .expect(201);
    const [event] = await h.sent();
    expect(event?.metadata).toEqual({
      ip: expect.stringMatching(/127\.0\.0\.1/),
      user_agent: 'ua/1',
      request_id: 'req_42',
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

  test('redact: extra keys, or false', async () => {
    await request(build({ redact: ['plan'], metadata: { plan: 'pro', password: 'p' } }))
      .put('/invoices/1')
      .send({});
    await request(build({ redact: false, metadata: { password: 'p' } }))
      .put('/invoices/1')
      .send({});
    const [extra, off] = await h.sent();
    expect(extra?.metadata).toMatchObject({ plan: '[REDACTED]', password: '[REDACTED]' });
    expect(off?.metadata).toMatchObject({ password: 'p' });
  });
});

describe('which requests', () => {
  test('methods and statuses options', async () => {
    const server = build({ methods: ['DELETE'], statuses: [200] });
    await request(server).post('/invoices').send({}).expect(201);
    await request(server).put('/invoices/1').send({}).expect(204);
    await request(server).delete('/invoices/1').expect(200);
    expect((await h.sent()).map((e) => e.action)).toEqual(['invoice.deleted']);
  });

  test('skip(ctx, info)', async () => {
    const server = build({ skip: (ctx, info) => ctx.get('x-internal') === '1' || info.status === 201 });
    await request(server).post('/invoices').send({});
    await request(server).delete('/invoices/1').set('x-internal', '1');
    await request(server).delete('/invoices/2');
    expect((await h.sent()).map((e) => e.resource.id)).toEqual(['2']);
  });

  test('GET requests are not audited by default', async () => {
    const server = build({}, (router) => {
      router.get('/invoices/:id', (ctx) => {
        ctx.body = {};
      });
    });
    await request(server).get('/invoices/1').expect(200);
    expect(await h.sent()).toEqual([]);
  });

  test('a create with no id in the path or the body is reported, not guessed', async () => {
    const server = build({}, (router) => {
      router.post('/notes', (ctx) => {
        ctx.status = 201;
        ctx.body = 'created';
      });
      router.post(
        '/drafts',
        audit('draft.created', { resource: (ctx) => ({ id: ctx.get('x-draft') }) }),
        (ctx) => {
          ctx.status = 201;
        },
      );
    });
    await request(server).post('/notes').expect(201);
    await request(server).post('/drafts').set('x-draft', 'd_1').expect(201);
    expect(await h.sent()).toMatchObject([
      { action: 'draft.created', resource: { type: 'draft', id: 'd_1' } },
    ]);
    expect(h.errors.map((e) => e.error.message)).toEqual([
      expect.stringMatching(/No resource\.id for POST \/notes/),
    ]);
  });
});
