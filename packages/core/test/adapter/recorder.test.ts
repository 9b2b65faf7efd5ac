import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../../test/support/scriptedApi.js';
import type { FinishedRequest } from '../../src/adapter/finishedRequest.js';
import { AuditRecorder } from '../../src/adapter/recorder.js';
import { RequestAudit } from '../../src/adapter/requestAudit.js';
import { resolveRouteSpec } from '../../src/adapter/spec.js';
import type { AuditOptions } from '../../src/adapter/types.js';
import { AuditLedge, type AuditLedgeError, type ErrorContext } from '../../src/index.js';

interface FakeReq {
  user?: unknown;
  body?: unknown;
}

let api: ScriptedApi;
let client: AuditLedge;
beforeAll(async () => {
  api = await startScriptedApi();
  client = new AuditLedge('al_test', { baseUrl: api.url, flushInterval: 5 });
});
afterAll(async () => {
  await client.shutdown({ timeout: 1000 });
  await api.close();
});
beforeEach(() => {
  api.stored.length = 0;
});

function facts(over: Partial<FinishedRequest<FakeReq>> = {}): FinishedRequest<FakeReq> {
  return {
    req: {},
    method: 'DELETE',
    route: '/orgs/:orgId/invoices/:id',
    path: '/orgs/42/invoices/7',
    params: { orgId: '42', id: '7' },
    status: 204,
    durationMs: 12.3456,
    user: { id: 'u_1', name: 'Alice', email: 'alice@example.com', passwordHash: 'x' },
    ip: '127.0.0.1',
    userAgent: 'test-agent',
    requestId: 'req_1',
    ...over,
  };
}

function recorder(options: Omit<AuditOptions<FakeReq>, 'client'> = {}) {
  const errors: { error: AuditLedgeError; context: ErrorContext }[] = [];
  const r = new AuditRecorder<FakeReq>({
    client,
    onError: (error, context) => errors.push({ error, context }),
    ...options,
  });
  return { r, errors };
}

async function sent() {
  await client.flush();
  return api.inEnqueueOrder(api.stored);
}

describe('the request event', () => {
  test('defaults: derived action and resource, user actor, org from the route param, default metadata', async () => {
    const { r, errors } = recorder();
    r.finish(new RequestAudit(), facts());
    expect(await sent()).toEqual([
      {
        actor: { id: 'u_1', name: 'Alice', email: 'alice@example.com' },
        action: 'invoice.deleted',
        resource: { type: 'invoice', id: '7' },
        organization_id: '42',
        metadata: {
          ip: '127.0.0.1',
          user_agent: 'test-agent',
          request_id: 'req_1',
          method: 'DELETE',
          route: '/orgs/:orgId/invoices/:id',
          path: '/orgs/42/invoices/7',
          status: 204,
          duration_ms: 12.35,
        },
        timestamp: expect.any(String),
      },
    ]);
    expect(errors).toEqual([]);
  });

  test("the user's own organization wins over the route param; anonymous when there is no user", async () => {
    const { r } = recorder();
    r.finish(new RequestAudit(), facts({ user: { id: 'u_1', organizationId: 'org_user' } }));
    r.finish(new RequestAudit(), facts({ user: undefined, route: '/invoices/:id', params: { id: '7' } }));
    const [withOrg, anonymous] = await sent();
    expect(withOrg?.organization_id).toBe('org_user');
    expect(anonymous?.actor).toEqual({ id: 'anonymous' });
    expect(anonymous).not.toHaveProperty('organization_id');
  });

  test('precedence: global options < per-route spec < req.audit.set()', async () => {
    const { r } = recorder({
      action: () => 'global.action',
      actor: () => ({ id: 'global_actor' }),
      resource: () => ({ name: 'Global name' }),
      organization: 'org_global',
      metadata: (_req, info) => ({ from: 'global', global: true, status_seen: info.status }),
    });
    const state = new RequestAudit();
    state.spec = resolveRouteSpec<FakeReq>('route.action', {
      resource: { type: 'route_type' },
      metadata: { from: 'route', route: true },
    }) as never;
    state.set({ resource: { id: 'set_id' }, metadata: { from: 'set' } }).set({ metadata: { set: true } });
    r.finish(state, facts());
    const [event] = await sent();
    expect(event).toMatchObject({
      actor: { id: 'global_actor' },
      action: 'route.action',
      resource: { type: 'route_type', id: 'set_id' },
      organization_id: 'org_global',
      metadata: { from: 'set', global: true, route: true, set: true, status_seen: 204, method: 'DELETE' },
    });
    // The route's resource replaces the global one, so the global name is not there.
    expect(event?.resource).toEqual({ type: 'route_type', id: 'set_id' });
  });

  test('metadata is redacted at any depth and never carries headers or body by default', async () => {
    const { r } = recorder({ redact: ['ssn'] });
    const state = new RequestAudit().set({ metadata: { nested: { Password: 'p', SSN: '1', ok: 2 } } });
    r.finish(state, facts({ req: { body: { password: 'hunter2' } } }));
    const [event] = await sent();
    expect(event?.metadata).toMatchObject({ nested: { Password: '[REDACTED]', SSN: '[REDACTED]', ok: 2 } });
    expect(JSON.stringify(event)).not.toContain('hunter2');
  });

  test('a create without an id in the path takes the id of the JSON response body', async () => {
    const { r } = recorder();
    const state = new RequestAudit();
    state.body = '{"id":"inv_9","total":3}';
    r.finish(
      state,
      facts({ method: 'POST', route: '/invoices', path: '/invoices', params: {}, status: 201 }),
    );
    const numeric = new RequestAudit();
    numeric.body = { id: 10 };
    r.finish(
      numeric,
      facts({ method: 'POST', route: '/invoices', path: '/invoices', params: {}, status: 201 }),
    );
    expect((await sent()).map((e) => [e.action, e.resource])).toEqual([
      ['invoice.created', { type: 'invoice', id: 'inv_9' }],
      ['invoice.created', { type: 'invoice', id: '10' }],
    ]);
  });

  test('a create finds its id under the type key and in the fields real APIs use', async () => {
    const { r, errors } = recorder();
    const create = (route: string, body: unknown) => {
      const state = new RequestAudit();
      state.body = body;
      r.finish(state, facts({ method: 'POST', route, path: route, params: {}, status: 201 }));
    };
    create('/api/articles', { article: { slug: 'how-to', title: 'How to', author: { username: 'jake' } } });
    create('/api-keys', { apiKey: { id: 'key_1' } });
    create('/api-keys', { key: 'sk_live_secret' });
    create('/projects', JSON.stringify({ data: { uuid: 'p-1' } }));
    create('/documents', { _id: 'd1', key: 'k' });
    expect((await sent()).map((e) => e.resource)).toEqual([
      { type: 'article', id: 'how-to' },
      { type: 'api_key', id: 'key_1' },
      { type: 'project', id: 'p-1' },
      { type: 'document', id: 'd1' },
    ]);
    // A credential is never taken for an id: that create is reported, not stored.
    expect(errors.map((e) => e.error.message)).toEqual([
      expect.stringMatching(/No resource\.id for POST \/api-keys/),
    ]);
    expect(JSON.stringify(errors[0]?.error)).not.toContain('sk_live');
  });

  test('the current-user forms take the actor id; the current organization takes the organization', async () => {
    const { r, errors } = recorder();
    r.finish(
      new RequestAudit(),
      facts({ method: 'PUT', route: '/api/user', path: '/api/user', params: {}, status: 200 }),
    );
    r.finish(
      new RequestAudit(),
      facts({
        method: 'PATCH',
        route: '/organization',
        path: '/organization',
        params: {},
        user: { id: 'u_1', orgId: 'org_9' },
      }),
    );
    r.finish(
      new RequestAudit(),
      facts({
        method: 'PUT',
        route: '/api/user',
        path: '/api/user',
        params: {},
        status: 200,
        user: undefined,
      }),
    );
    expect((await sent()).map((e) => [e.action, e.resource, (e.actor as { id: string }).id])).toEqual([
      ['user.updated', { type: 'user', id: 'u_1' }, 'u_1'],
      ['organization.updated', { type: 'organization', id: 'org_9' }, 'u_1'],
    ]);
    // Nobody signed in: there is no "current user" to name, so it is reported.
    expect(errors).toHaveLength(1);
  });

  test('login and sign-up: the actor is the user the response describes, the token never stored', async () => {
    const { r } = recorder();
    const jwt = (payload: object) =>
      `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2lnbmF0dXJl`;
    const signIn = (route: string, body: unknown) => {
      const state = new RequestAudit();
      state.body = body;
      r.finish(
        state,
        facts({ method: 'POST', route, path: route, params: {}, status: 200, user: undefined }),
      );
    };
    const token = jwt({ id: 5, username: 'jake', exp: 1 });
    signIn('/api/users/login', { user: { email: 'jake@jake.jake', username: 'jake', token, bio: null } });
    signIn('/api/users', { user: { email: 'peter@x.io', username: 'peter', token: jwt({ sub: 'usr_6' }) } });
    signIn('/auth/sign-up', { data: { id: 'usr_7', name: 'Ann', email: 'ann@x.io' } });
    signIn('/sessions', { access_token: jwt({ sub: 'usr_8' }), user: { email: 'eve@x.io' } });
    const events = await sent();
    expect(events.map((e) => [e.action, e.actor, e.resource])).toEqual([
      ['user.logged_in', { id: '5', name: 'jake', email: 'jake@jake.jake' }, { type: 'user', id: '5' }],
      // A self sign-up on the users collection: the new user is both actor and resource.
      ['user.created', { id: 'usr_6', name: 'peter', email: 'peter@x.io' }, { type: 'user', id: 'usr_6' }],
      ['user.created', { id: 'usr_7', name: 'Ann', email: 'ann@x.io' }, { type: 'user', id: 'usr_7' }],
      ['user.logged_in', { id: 'usr_8', email: 'eve@x.io' }, { type: 'user', id: 'usr_8' }],
    ]);
    expect(JSON.stringify(events)).not.toMatch(/eyJ|c2lnbmF0dXJl/);
  });

  test('an admin creating a user is the actor; the created user is the resource', async () => {
    const { r } = recorder();
    const state = new RequestAudit();
    state.body = { user: { id: 'usr_9', username: 'new' } };
    r.finish(state, facts({ method: 'POST', route: '/users', path: '/users', params: {}, status: 201 }));
    expect((await sent()).map((e) => [e.action, (e.actor as { id: string }).id, e.resource])).toEqual([
      ['user.created', 'u_1', { type: 'user', id: 'usr_9' }],
    ]);
  });

  test('failed logins: not audited by default; with auditFailedLogins, user.login_failed on the user the body names', async () => {
    const login = (r: AuditRecorder<FakeReq>, requestBody: unknown, status = 401) => {
      const state = new RequestAudit();
      state.body = { errors: { body: ['email or password is invalid'] } };
      r.finish(
        state,
        facts({
          method: 'POST',
          route: '/api/users/login',
          path: '/api/users/login',
          params: {},
          status,
          user: undefined,
          requestBody,
        }),
      );
    };
    const quiet = recorder();
    login(quiet.r, { user: { email: 'jake@x.io', password: 'hunter2' } });
    expect(await sent()).toEqual([]);
    expect(quiet.errors).toEqual([]);

    const { r, errors } = recorder({ auditFailedLogins: true });
    login(r, { user: { email: 'jake@x.io', password: 'hunter2' } });
    login(r, { username: 'ann', password: 'pw' }, 403);
    login(r, 'not json');
    const events = await sent();
    expect(
      events.map((e) => [e.action, e.actor, e.resource, (e.metadata as { status: number }).status]),
    ).toEqual([
      ['user.login_failed', { id: 'anonymous' }, { type: 'user', id: 'jake@x.io' }, 401],
      ['user.login_failed', { id: 'anonymous' }, { type: 'user', id: 'ann' }, 403],
      ['user.login_failed', { id: 'anonymous' }, { type: 'user', id: 'unknown' }, 401],
    ]);
    expect(JSON.stringify(events)).not.toMatch(/hunter2|"pw"/);
    expect(errors).toEqual([]);
    expect(() => recorder({ auditFailedLogins: 'yes' as never })).toThrow(/options\.auditFailedLogins/);
  });

  test('a password reset asked for by nobody signed in is on the user the body names', async () => {
    const { r } = recorder();
    const state = new RequestAudit();
    state.body = { message: 'If the address is known, a link is on its way' };
    r.finish(
      state,
      facts({
        method: 'POST',
        route: '/auth/forgot-password',
        path: '/auth/forgot-password',
        params: {},
        status: 202,
        user: undefined,
        requestBody: { email: 'ann@x.io' },
      }),
    );
    expect((await sent()).map((e) => [e.action, e.resource])).toEqual([
      ['user.password_reset_requested', { type: 'user', id: 'ann@x.io' }],
    ]);
  });

  test('ORM models are read through toJSON()', async () => {
    const { r } = recorder();
    class Model {
      id = 3;
      #attributes = { id: 3, username: 'jake', email: 'j@x.io', password: 'hash' };
      get(key: 'username' | 'email') {
        return this.#attributes[key];
      }
      toJSON() {
        return { ...this.#attributes };
      }
    }
    r.finish(new RequestAudit(), facts({ user: new Model() }));
    expect((await sent())[0]?.actor).toEqual({ id: '3', name: 'jake', email: 'j@x.io' });
  });
});

describe('which requests', () => {
  test('methods, statuses, unmatched routes, skip() and audit(false) record nothing', async () => {
    const { r, errors } = recorder({ skip: (req) => req.body === 'skip me' });
    r.finish(new RequestAudit(), facts({ method: 'GET' }));
    r.finish(new RequestAudit(), facts({ status: 409 }));
    r.finish(new RequestAudit(), facts({ route: undefined, status: 404 }));
    const skipped = new RequestAudit();
    skipped.skip();
    r.finish(skipped, facts());
    const optedOut = new RequestAudit();
    optedOut.spec = resolveRouteSpec(false);
    r.finish(optedOut, facts());
    r.finish(new RequestAudit(), facts({ req: { body: 'skip me' } }));
    expect(await sent()).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('a per-route spec audits its route whatever the method; statuses may include failures', async () => {
    const { r } = recorder({ statuses: (s) => s === 409 });
    const state = new RequestAudit();
    state.spec = resolveRouteSpec('report.exported');
    r.finish(state, facts({ method: 'GET', route: '/reports/:id', params: { id: 'r1' }, status: 409 }));
    r.finish(new RequestAudit(), facts({ status: 204 }));
    expect((await sent()).map((e) => e.action)).toEqual(['report.exported']);
  });

  test('watches(): one decision for which requests to watch, the same finish() makes', () => {
    const { r } = recorder({ methods: ['DELETE'] });
    expect([r.watches('DELETE'), r.watches('POST'), r.watches('GET')]).toEqual([true, false, false]);
    const declared = resolveRouteSpec<FakeReq>('report.exported');
    expect([r.watches('GET', declared), r.watches('DELETE', resolveRouteSpec<FakeReq>(false))]).toEqual([
      true,
      false,
    ]);
    expect(recorder({ methods: ['*'] }).r.watches('OPTIONS')).toBe(true);
  });

  test('keepsBody(): creates, and routes whose mappers may read info.body; never a route that opted out', () => {
    const { r } = recorder();
    expect([r.keepsBody('/invoices', undefined), r.keepsBody('/invoices/:id', undefined)]).toEqual([
      true,
      false,
    ]);
    expect(r.keepsBody('/invoices/:id', resolveRouteSpec<FakeReq>({ metadata: () => ({}) }))).toBe(true);
    expect(r.keepsBody('/invoices/:id', resolveRouteSpec<FakeReq>('invoice.voided'))).toBe(false);
    expect(r.keepsBody('/invoices', resolveRouteSpec<FakeReq>(false))).toBe(false);
    expect(recorder({ actor: () => undefined }).r.keepsBody('/invoices/:id', undefined)).toBe(true);
  });
});

describe('failures never reach the request', () => {
  test('a mapper that throws: no event, onError gets AL_ERR_MAPPER with route and method only', async () => {
    const { r, errors } = recorder({
      resource: () => {
        throw new Error('boom');
      },
    });
    expect(() => r.finish(new RequestAudit(), facts({ req: { body: { card: '4242' } } }))).not.toThrow();
    expect(await sent()).toEqual([]);
    expect(errors).toHaveLength(1);
    const [{ error, context }] = errors as [(typeof errors)[0]];
    expect(error.code).toBe('AL_ERR_MAPPER');
    expect(error.message).toContain('boom');
    expect((error.cause as Error).message).toBe('boom');
    expect(context).toEqual({ operation: 'mapper', route: '/orgs/:orgId/invoices/:id', method: 'DELETE' });
    expect(JSON.stringify(context) + error.message).not.toContain('4242');
  });

  test("a mapper's error that quotes the client's API key: the key never reaches onError", async () => {
    const { r, errors } = recorder({
      actor: async () => {
        throw new Error('tenant config {"auditledgeKey":"al_test"} failed to load');
      },
    });
    r.finish(new RequestAudit(), facts());
    await client.flush();
    expect(errors).toHaveLength(1);
    const [{ error }] = errors as [(typeof errors)[0]];
    expect(error.code).toBe('AL_ERR_MAPPER');
    expect(error.message).toContain('tenant config {"auditledgeKey":"[REDACTED]"} failed to load');
    expect(JSON.stringify(error.toJSON())).not.toContain('al_test');
  });

  test('an invalid event (no id anywhere, a bad actor) goes to onError as AL_ERR_MAPPER', async () => {
    const { r, errors } = recorder();
    r.finish(new RequestAudit(), facts({ method: 'POST', route: '/invoices', params: {}, status: 201 }));
    r.finish(new RequestAudit().set({ actor: { name: 'no id' } }), facts());
    expect(await sent()).toEqual([]);
    expect(errors.map((e) => e.error.code)).toEqual(['AL_ERR_MAPPER', 'AL_ERR_MAPPER']);
    expect(errors[0]?.error.message).toMatch(/No resource\.id for POST \/invoices/);
  });

  test('an onError that throws is swallowed; without onError nothing is thrown or printed', () => {
    const throwing = new AuditRecorder<FakeReq>({
      client,
      action: () => {
        throw new Error('mapper');
      },
      onError: () => {
        throw new Error('handler');
      },
    });
    expect(() => throwing.finish(new RequestAudit(), facts())).not.toThrow();
    const silent = new AuditRecorder<FakeReq>({
      client,
      statuses: () => {
        throw new Error('predicate');
      },
    });
    expect(() => silent.finish(new RequestAudit(), facts())).not.toThrow();
  });
});

describe('req.audit.log()', () => {
  test('extra events are sent with the request actor and organization filled in, for any method or status', async () => {
    const { r, errors } = recorder();
    const state = new RequestAudit();
    state.skip();
    state.log({
      action: 'invoice.emailed',
      resource: { type: 'invoice', id: 7 },
      metadata: { token: 't', to: 'x' },
    });
    state.log({
      action: 'user.seen',
      resource: { type: 'user', id: 'u_2' },
      actor: 'system',
      organization_id: null,
    });
    r.finish(state, facts({ method: 'GET', status: 500 }));
    expect(await sent()).toEqual([
      {
        actor: { id: 'u_1', name: 'Alice', email: 'alice@example.com' },
        action: 'invoice.emailed',
        resource: { type: 'invoice', id: '7' },
        organization_id: '42',
        metadata: { token: '[REDACTED]', to: 'x' },
        timestamp: expect.any(String),
      },
      {
        actor: { id: 'system' },
        action: 'user.seen',
        resource: { type: 'user', id: 'u_2' },
        timestamp: expect.any(String),
      },
    ]);
    expect(errors).toEqual([]);
  });

  test('an invalid extra event is reported and does not stop the others', async () => {
    const { r, errors } = recorder();
    const state = new RequestAudit();
    state.log({ action: '', resource: { type: 'x', id: '1' } });
    state.log({ action: 'ok.done', resource: { type: 'x', id: '2' } });
    r.finish(state, facts({ method: 'GET' }));
    expect((await sent()).map((e) => e.action)).toEqual(['ok.done']);
    expect(errors.map((e) => e.error.code)).toEqual(['AL_ERR_MAPPER']);
  });
});
