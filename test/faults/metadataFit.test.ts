// The trail reads right (issue 10): metadata too big for maxEventBytes, or holding values JSON
// cannot hold, no longer costs the event. Through each adapter the event is recorded with its
// metadata cut (largest values first, then keys) and `metadata_truncated: true`, reported once
// (onError, or one AUDITLEDGE_METADATA_TRUNCATED warning). A bigint is its decimal string, in
// the adapters as in the client's own enqueue().
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AuditLedge } from '../../packages/core/src/index.js';
import { type AuditHarness, startAuditHarness } from '../support/auditHarness.js';
import { adapterFrameworks, collectWarnings, type RunningApp, send, startApp } from './adapters/apps.js';

let harness: AuditHarness;
let app: RunningApp | undefined;
let warned: ReturnType<typeof collectWarnings>;

beforeEach(async () => {
  harness = await startAuditHarness();
  warned = collectWarnings();
});
afterEach(async () => {
  warned.stop();
  await app?.close();
  app = undefined;
  await harness.close();
});

const padded = { body: 'x'.repeat(300_000), reason: 'duplicate', items: [1, 2, 3] };

describe.each(adapterFrameworks)('%s: metadata that does not fit', (framework) => {
  test('a padded body mapped into metadata: the event is kept, the body cut, marked', async () => {
    app = await startApp(framework, {
      options: { client: harness.client, onError: harness.onError, metadata: () => padded },
      routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
    });
    for (let i = 0; i < 2; i++)
      expect((await send(app.url, 'DELETE', `/invoices/inv_${i}`)).status).toBe(204);
    const events = await harness.sent();
    expect(events.map((e) => [e.action, e.resource.id])).toEqual([
      ['invoice.deleted', 'inv_0'],
      ['invoice.deleted', 'inv_1'],
    ]);
    for (const event of events) {
      expect(event.metadata).toMatchObject({
        body: '[Truncated]',
        reason: 'duplicate',
        items: [1, 2, 3],
        method: 'DELETE',
        route: '/invoices/:id',
        status: 204,
        metadata_truncated: true,
      });
    }
    expect(harness.errors.map((e) => [e.error.code, (e.error as { field?: string }).field])).toEqual([
      ['AL_ERR_VALIDATION', 'metadata'],
      ['AL_ERR_VALIDATION', 'metadata'],
    ]);
    expect(harness.errors[0]!.error.message).toContain('maxEventBytes');
    expect(harness.client.stats().unrecorded.total).toBe(0);
  });

  test('many keys: values cut first, then keys, until the event fits', async () => {
    const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    app = await startApp(framework, {
      options: { client: harness.client, onError: harness.onError, metadata: () => many },
      routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
    });
    expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
    const [event, ...rest] = await harness.sent();
    expect(rest).toEqual([]);
    expect(event!.metadata!.metadata_truncated).toBe(true);
    expect(Object.keys(event!.metadata!).length).toBeLessThan(20_000);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(64 * 1024);
  });

  test('without onError: one warning for many truncated events', async () => {
    app = await startApp(framework, {
      options: { client: harness.client, metadata: () => padded },
      routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
    });
    for (let i = 0; i < 3; i++) await send(app.url, 'DELETE', `/invoices/inv_${i}`);
    expect(await harness.sent()).toHaveLength(3);
    expect(warned.warnings.map((w) => w.code)).toEqual(['AUDITLEDGE_METADATA_TRUNCATED']);
  });

  test('values JSON cannot hold: a bigint is its string, the rest is cut and marked', async () => {
    app = await startApp(framework, {
      options: {
        client: harness.client,
        onError: harness.onError,
        metadata: (req: unknown) =>
          (req as { headers: Record<string, string> }).headers['x-odd'] === '1'
            ? { amount: 12345678901234567890n, ratio: Number.NaN, tags: new Set(['a']), ok: 'yes' }
            : { amount: 10n },
      },
      routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
    });
    await send(app.url, 'DELETE', '/invoices/inv_1');
    await send(app.url, 'DELETE', '/invoices/inv_2', undefined, { 'x-odd': '1' });
    const [plain, odd] = await harness.sent();
    expect(plain!.metadata).toMatchObject({ amount: '10' });
    expect(plain!.metadata).not.toHaveProperty('metadata_truncated');
    expect(odd!.metadata).toMatchObject({
      amount: '12345678901234567890',
      ok: 'yes',
      metadata_truncated: true,
    });
    expect(odd!.metadata).not.toHaveProperty('ratio');
    expect(odd!.metadata).not.toHaveProperty('tags');
    expect(harness.errors.map((e) => (e.error as { field?: string }).field)).toEqual(['metadata']);
  });
});

test("the client's own enqueue() sends a bigint as the adapters do", async () => {
  const client = new AuditLedge('al_test_bigint', { baseUrl: harness.api.url, flushInterval: 5 });
  client.enqueue({
    actor: { id: 'u_1' },
    action: 'invoice.paid',
    resource: { type: 'invoice', id: 'inv_1' },
    metadata: { amount: 10n } as never,
  });
  await client.flush();
  expect(harness.api.stored.map((e) => (e as { metadata?: unknown }).metadata)).toEqual([{ amount: '10' }]);
  await client.shutdown({ timeout: 100 });
});
