import express, { type Express } from 'express';
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

/** The same routes, with or without the adapter. */
function build(options?: AuditOptions | false): Express {
  const app = express();
  app.use(express.json());
  if (options !== false) app.use(auditMiddleware({ client: h.client, onError: h.onError, ...options }));
  app.post('/invoices', (req, res) => {
    res.status(201).set('x-total', '3').json({ id: 'inv_9', echo: req.body });
  });
  app.delete('/invoices/:id', (_req, res) => {
    res.status(200).send(`deleted ${_req.params.id}`);
  });
  app.put('/invoices/:id', (req, res) => {
    (req as { user?: unknown }).user = req.body.user;
    (req as { auth?: unknown }).auth = req.body.auth;
    res.sendStatus(204);
  });
  return app;
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
    expect((await h.sent()).map((e) => e.action)).toEqual(['invoice.created', 'invoice.deleted']);
  });

  test('a mapper that throws: no event, onError gets AL_ERR_MAPPER with route and method, never the body', async () => {
    const app = build({
      metadata: () => {
        throw new Error('cannot read tenant');
      },
    });
    await request(app)
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
  test('req.user first, then req.auth (express-jwt claims, sub as id); anonymous when neither', async () => {
    const app = build({});
    await request(app)
      .put('/invoices/1')
      .send({ user: { _id: 5, username: 'ann', email: 'a@x.co', orgId: 'org_u' } });
    await request(app)
      .put('/invoices/2')
      .send({ auth: { sub: 'auth0|7', name: 'Jo', organization_id: 'org_a' } });
    await request(app).put('/invoices/3').send({});
    expect((await h.sent()).map((e) => [e.actor, e.organization_id])).toEqual([
      [{ id: '5', name: 'ann', email: 'a@x.co' }, 'org_u'],
      [{ id: 'auth0|7', name: 'Jo' }, 'org_a'],
      [{ id: 'anonymous' }, undefined],
    ]);
  });

  test('actor and organization mappers', async () => {
    const app = build({
      actor: (req) => ({ id: req.header('x-service') ?? 'nobody', name: 'Service' }),
      organization: (req) => req.header('x-tenant'),
    });
    await request(app).put('/invoices/1').set('x-service', 'svc_1').set('x-tenant', 't_1').send({});
    expect(await h.sent()).toMatchObject([
      { actor: { id: 'svc_1', name: 'Service' }, organization_id: 't_1' },
    ]);
  });

  test('default metadata, merged with the metadata option, redacted; no headers or body by default', async () => {
    const app = build({
      metadata: (req) => ({ plan: 'pro', token: req.header('x-token'), deep: { Cookie: 'c' } }),
    });
    await request(app)
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

  test('a __proto__ key in user metadata pollutes nothing', async () => {
    const app = build({ metadata: (req) => req.body.meta });
    await request(app)
      .put('/invoices/1')
      .set('content-type', 'application/json')
      .send('{"meta": {"__proto__": {"polluted": true}, "ok": 1}}')
      .expect(204);
    const [event] = await h.sent();
    expect(event?.metadata).toMatchObject({ ok: 1 });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('which requests', () => {
  test('methods and statuses options', async () => {
    const app = build({ methods: ['DELETE'], statuses: [200] });
    await request(app).post('/invoices').send({}).expect(201);
    await request(app).put('/invoices/1').send({}).expect(204);
    await request(app).delete('/invoices/1').expect(200);
    expect((await h.sent()).map((e) => e.action)).toEqual(['invoice.deleted']);
  });

  test('skip(req, info)', async () => {
    const app = build({ skip: (req, info) => req.header('x-internal') === '1' || info.status === 201 });
    await request(app).post('/invoices').send({});
    await request(app).delete('/invoices/1').set('x-internal', '1');
    await request(app).delete('/invoices/2');
    expect((await h.sent()).map((e) => e.resource.id)).toEqual(['2']);
  });

  test('GET requests are not audited by default', async () => {
    const app = build({});
    app.get('/invoices/:id', (_req, res) => {
      res.json({});
    });
    await request(app).get('/invoices/1').expect(200);
    expect(await h.sent()).toEqual([]);
  });

  test('a create with no id in the path or the body is reported, not guessed', async () => {
    const app = express();
    app.use(auditMiddleware({ client: h.client, onError: h.onError }));
    app.post('/invoices', (_req, res) => {
      res.status(201).send('created');
    });
    app.post(
      '/notes',
      audit('note.created', { resource: (req) => ({ id: req.header('x-note') }) }),
      (_req, res) => {
        res.sendStatus(201);
      },
    );
    await request(app).post('/invoices').expect(201);
    await request(app).post('/notes').set('x-note', 'n_1').expect(201);
    expect(await h.sent()).toMatchObject([{ action: 'note.created', resource: { type: 'note', id: 'n_1' } }]);
    expect(h.errors.map((e) => e.error.message)).toEqual([
      expect.stringMatching(/No resource\.id for POST \/invoices/),
    ]);
  });
});
