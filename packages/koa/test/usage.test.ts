import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { audit, auditMiddleware } from '../src/index.js';

let h: AuditHarness;
let server: ReturnType<Koa['callback']>;

/** A tiny JSON body reader, so the tests need no body-parser dependency. */
async function jsonBody(ctx: Koa.Context): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of ctx.req) text += chunk;
  return text === '' ? {} : JSON.parse(text);
}

beforeAll(async () => {
  h = await startAuditHarness();
  const app = new Koa();
  app.use(async (ctx, next) => {
    const user = ctx.get('x-user');
    if (user) ctx.state.user = { id: user, name: 'Alice', orgId: ctx.get('x-org') || undefined };
    await next();
  });
  app.use(auditMiddleware({ client: h.client, onError: h.onError }));
  const router = new Router({ prefix: '/api' });
  router.delete('/invoices/:id', audit('invoice.voided'), (ctx) => {
    ctx.status = 204;
  });
  router.delete(
    '/invoices/:id/lines/:line',
    audit('invoice.line_removed', {
      resource: (_ctx, info) => ({ type: 'invoice', id: info.params.id, name: `line ${info.params.line}` }),
    }),
    (ctx) => {
      ctx.status = 204;
    },
  );
  router.get(
    '/reports/:id/export',
    audit({ action: 'report.exported', resource: { type: 'report' } }),
    (ctx) => {
      ctx.body = 'csv';
    },
  );
  router.post('/heartbeat', audit(false), (ctx) => {
    ctx.status = 204;
  });
  router.patch('/invoices/:id', async (ctx) => {
    const body = await jsonBody(ctx);
    ctx.state.audit.set({
      resource: { name: 'INV-001' },
      metadata: { field: 'status', old_value: 'draft', new_value: body.status as string },
    });
    ctx.body = { ok: true };
  });
  router.put('/invoices/:id', async (ctx) => {
    if ((await jsonBody(ctx)).dryRun) ctx.state.audit.skip();
    ctx.body = { ok: true };
  });
  router.post('/invoices/:id/email', (ctx) => {
    ctx.state.audit.log({ action: 'invoice.emailed', resource: { type: 'invoice', id: ctx.params.id! } });
    ctx.state.audit.log({ action: 'email.sent', resource: { type: 'email', id: 'em_1' }, actor: 'mailer' });
    ctx.status = 202;
  });
  router.get('/invoices/:id', (ctx) => {
    ctx.state.audit.log({ action: 'invoice.viewed', resource: { type: 'invoice', id: ctx.params.id! } });
    ctx.body = { id: ctx.params.id! };
  });
  app.use(router.routes()).use(router.allowedMethods());
  server = app.callback();
});
beforeEach(() => {
  h.errors.length = 0;
});
afterAll(() => h.close());

describe('per-route audit()', () => {
  test("audit('invoice.voided') names the action; the resource stays derived", async () => {
    await request(server).delete('/api/invoices/inv_1').set('x-user', 'u_1').expect(204);
    expect(await h.sent()).toMatchObject([
      {
        action: 'invoice.voided',
        resource: { type: 'invoice', id: 'inv_1' },
        actor: { id: 'u_1', name: 'Alice' },
      },
    ]);
  });

  test("audit('invoice.line_removed', { resource }) maps the resource", async () => {
    await request(server).delete('/api/invoices/inv_1/lines/3').expect(204);
    const [event] = await h.sent();
    expect(event?.action).toBe('invoice.line_removed');
    expect(event?.resource).toEqual({ type: 'invoice', id: 'inv_1', name: 'line 3' });
  });

  test('audit({ action, resource }) audits a GET route too', async () => {
    await request(server).get('/api/reports/r_1/export').expect(200, 'csv');
    expect(await h.sent()).toMatchObject([
      { action: 'report.exported', resource: { type: 'report', id: 'r_1' } },
    ]);
  });

  test('audit(false) opts a mutation out', async () => {
    await request(server).post('/api/heartbeat').expect(204);
    expect(await h.sent()).toEqual([]);
  });
});

describe('ctx.state.audit', () => {
  test('set() adds a resource name and change metadata', async () => {
    await request(server).patch('/api/invoices/inv_2').send({ status: 'paid' }).expect(200);
    expect(await h.sent()).toMatchObject([
      {
        action: 'invoice.updated',
        resource: { type: 'invoice', id: 'inv_2', name: 'INV-001' },
        metadata: { field: 'status', old_value: 'draft', new_value: 'paid', status: 200, method: 'PATCH' },
      },
    ]);
  });

  test('skip() records nothing for the request', async () => {
    await request(server).put('/api/invoices/inv_3').send({ dryRun: true }).expect(200);
    expect(await h.sent()).toEqual([]);
    await request(server).put('/api/invoices/inv_3').send({}).expect(200);
    expect(await h.sent()).toHaveLength(1);
  });

  test('log() sends more events, completed with the actor and organization of the request', async () => {
    await request(server)
      .post('/api/invoices/inv_4/email')
      .set('x-user', 'u_5')
      .set('x-org', 'org_5')
      .expect(202);
    expect((await h.sent()).map((e) => [e.action, e.actor.id, e.organization_id, e.resource.id])).toEqual([
      ['invoice.emailed', 'u_5', 'org_5', 'inv_4'],
      ['invoice.emailed', 'u_5', 'org_5', 'inv_4'],
      ['email.sent', 'mailer', 'org_5', 'em_1'],
    ]);
  });

  test('log() works on a request that is not audited itself (a GET)', async () => {
    await request(server).get('/api/invoices/inv_5').expect(200);
    expect(await h.sent()).toMatchObject([{ action: 'invoice.viewed', actor: { id: 'anonymous' } }]);
    expect(h.errors).toEqual([]);
  });
});
