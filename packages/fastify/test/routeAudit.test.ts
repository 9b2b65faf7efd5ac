import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditledge } from '../src/index.js';

// config.audit is read once per route, in onRoute: a bad one fails at registration, naming the
// route. What a good one records is the adapter contract's (test/contract/routes.ts).
let h: AuditHarness;
beforeAll(async () => {
  h = await startAuditHarness();
});
afterAll(() => h.close());

describe('config.audit at registration', () => {
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
