import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { audit, auditMiddleware } from '../src/index.js';

let h: AuditHarness;
let app: Express;

beforeAll(async () => {
  h = await startAuditHarness();
  app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    const user = req.header('x-user');
    if (user) (req as { user?: unknown }).user = { id: user, name: 'Alice', orgId: req.header('x-org') };
    next();
  });
  app.use(auditMiddleware({ client: h.client, onError: h.onError }));
  const router = express.Router();
  router.delete('/invoices/:id', audit('invoice.voided'), (_req, res) => {
    res.sendStatus(204);
  });
  router.delete(
    '/invoices/:id/lines/:line',
    audit('invoice.line_removed', {
      resource: (req) => ({ type: 'invoice', id: req.params.id, name: `line ${req.params.line}` }),
    }),
    (_req, res) => {
      res.sendStatus(204);
    },
  );
  router.get(
    '/reports/:id/export',
    audit({ action: 'report.exported', resource: { type: 'report' } }),
    (_req, res) => {
      res.send('csv');
    },
  );
  router.post('/heartbeat', audit(false), (_req, res) => {
    res.sendStatus(204);
  });
  router.patch('/invoices/:id', (req, res) => {
    req.audit.set({
      resource: { name: 'INV-001' },
      metadata: { field: 'status', old_value: 'draft', new_value: req.body.status },
    });
    res.json({ ok: true });
  });
  router.put('/invoices/:id', (req, res) => {
    if (req.body.dryRun) req.audit.skip();
    res.json({ ok: true });
  });
  router.post('/invoices/:id/email', (req, res) => {
    req.audit.log({ action: 'invoice.emailed', resource: { type: 'invoice', id: req.params.id as string } });
    req.audit.log({ action: 'email.sent', resource: { type: 'email', id: 'em_1' }, actor: 'mailer' });
    res.sendStatus(202);
  });
  router.get('/invoices/:id', (req, res) => {
    req.audit.log({ action: 'invoice.viewed', resource: { type: 'invoice', id: req.params.id as string } });
    res.json({ id: req.params.id });
  });
  app.use('/api', router);
});
beforeEach(() => {
  h.errors.length = 0;
});
afterAll(() => h.close());

describe('per-route audit()', () => {
  test("audit('invoice.voided') names the action; the resource stays derived", async () => {
    await request(app).delete('/api/invoices/inv_1').set('x-user', 'u_1').expect(204);
    expect(await h.sent()).toMatchObject([
      {
        action: 'invoice.voided',
        resource: { type: 'invoice', id: 'inv_1' },
        actor: { id: 'u_1', name: 'Alice' },
      },
    ]);
  });

  test("audit('invoice.line_removed', { resource }) maps the resource", async () => {
    await request(app).delete('/api/invoices/inv_1/lines/3').expect(204);
    const [event] = await h.sent();
    expect(event?.action).toBe('invoice.line_removed');
    expect(event?.resource).toEqual({ type: 'invoice', id: 'inv_1', name: 'line 3' });
  });

  test('audit({ action, resource }) audits a GET route too', async () => {
    await request(app).get('/api/reports/r_1/export').expect(200, 'csv');
    expect(await h.sent()).toMatchObject([
      { action: 'report.exported', resource: { type: 'report', id: 'r_1' } },
    ]);
  });

  test('audit(false) opts a mutation out', async () => {
    await request(app).post('/api/heartbeat').expect(204);
    expect(await h.sent()).toEqual([]);
  });
});

describe('req.audit', () => {
  test('set() adds a resource name and change metadata', async () => {
    await request(app).patch('/api/invoices/inv_2').send({ status: 'paid' }).expect(200);
    const [event] = await h.sent();
    expect(event).toMatchObject({
      action: 'invoice.updated',
      resource: { type: 'invoice', id: 'inv_2', name: 'INV-001' },
      metadata: { field: 'status', old_value: 'draft', new_value: 'paid', status: 200, method: 'PATCH' },
    });
  });

  test('skip() records nothing for the request', async () => {
    await request(app).put('/api/invoices/inv_3').send({ dryRun: true }).expect(200);
    expect(await h.sent()).toEqual([]);
    await request(app).put('/api/invoices/inv_3').send({}).expect(200);
    expect(await h.sent()).toHaveLength(1);
  });

  test('log() sends more events, completed with the actor and organization of the request', async () => {
    await request(app)
      .post('/api/invoices/inv_4/email')
      .set('x-user', 'u_5')
      .set('x-org', 'org_5')
      .expect(202);
    const events = await h.sent();
    expect(events.map((e) => [e.action, e.actor.id, e.organization_id, e.resource.id])).toEqual([
      ['invoice.emailed', 'u_5', 'org_5', 'inv_4'],
      ['invoice.emailed', 'u_5', 'org_5', 'inv_4'],
      ['email.sent', 'mailer', 'org_5', 'em_1'],
    ]);
  });

  test('log() works on a request that is not audited itself (a GET)', async () => {
    await request(app).get('/api/invoices/inv_5').expect(200);
    expect(await h.sent()).toMatchObject([{ action: 'invoice.viewed', actor: { id: 'anonymous' } }]);
    expect(h.errors).toEqual([]);
  });
});
