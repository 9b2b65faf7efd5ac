import { inspect } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import { AuditLedge, AuditLedgeError } from '../src/index.js';
import { client, event, expectInvariant, KEY } from './helpers.js';

let api: ScriptedApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('flush', () => {
  test('resolves only once everything queued before the call has settled', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    api = await startScriptedApi(async () => {
      await gate;
      return undefined;
    });
    const audit = client(api.url, { flushInterval: 60_000 });
    for (let i = 0; i < 3; i++) audit.enqueue(event(i));
    let flushed = false;
    const done = audit.flush().then(() => {
      flushed = true;
    });
    await api.waitFor((a) => a.received.length === 3);
    expect(flushed).toBe(false);
    release();
    await done;
    expect(audit.stats()).toMatchObject({ delivered: 3, queued: 0, inFlight: 0 });
    await audit.shutdown();
  });

  test('concurrent calls share one flush; a later call also covers later events', async () => {
    api = await startScriptedApi();
    const audit = client(api.url, { flushInterval: 60_000 });
    audit.enqueue(event(1));
    const a = audit.flush();
    const b = audit.flush();
    expect(a).toBe(b);
    audit.enqueue(event(2));
    const c = audit.flush();
    expect(c).not.toBe(a);
    await c;
    expect(audit.stats().delivered).toBe(2);
    await expect(audit.flush()).resolves.toBeUndefined(); // nothing pending: immediate
    await audit.shutdown();
  });
});

describe('shutdown', () => {
  test('drains the queue before resolving, then refuses new events', async () => {
    api = await startScriptedApi();
    const audit = client(api.url, { flushInterval: 60_000, flushAt: 1000 });
    for (let i = 0; i < 50; i++) audit.enqueue(event(i));
    const report = await audit.shutdown({ timeout: 5_000 });
    expect(report).toEqual({ delivered: 50, dropped: 0, pending: 0, undelivered: [] });
    expect(api.stored).toHaveLength(50);
    expect(() => audit.enqueue(event())).toThrow(expect.objectContaining({ code: 'AL_ERR_CLOSED' }));
    await expect(audit.log(event())).rejects.toMatchObject({ code: 'AL_ERR_CLOSED' });
    expect(await audit.shutdown()).toBe(report); // idempotent
  });

  test('with the API down, never rejects and hands back every event within the timeout', async () => {
    api = await startScriptedApi(() => 'reset');
    const dropped: string[] = [];
    const audit = client(api.url, {
      retryBaseDelay: 20,
      maxRetryDelay: 50,
      onDrop: (e, reason) => dropped.push(`${reason}:${e.id}`),
    });
    const ids = Array.from({ length: 25 }, (_, i) => audit.enqueue(event(i, { metadata: { i } })));
    // A shutdown that ignored its timeout would hang past this test's own timeout.
    const report = await audit.shutdown({ timeout: 300 });
    expect(report.pending).toBe(25);
    expect(report.delivered).toBe(0);
    expect(report.undelivered.map((u) => u.id).sort()).toEqual([...ids].sort());
    const first = report.undelivered.find((u) => u.id === ids[0])!;
    expect(first.event).toMatchObject({
      action: 'invoice.deleted',
      resource: { id: 'inv_0' },
      metadata: { i: 0 },
    });
    expect(audit.stats().dropped.shutdown).toBe(25);
    // The report speaks the words of stats(): dropped is dropped.total, pending is dropped.shutdown.
    expect(report.dropped).toBe(audit.stats().dropped.total);
    expect(report.pending).toBe(audit.stats().dropped.shutdown);
    expect(dropped.sort()).toEqual(ids.map((id) => `shutdown:${id}`).sort()); // onDrop sees them too
    expectInvariant(audit);
  });

  test('requests stalled at the deadline are aborted and reported, not awaited forever', async () => {
    api = await startScriptedApi(() => 'stall');
    const audit = client(api.url, { timeout: 60_000 });
    audit.enqueue(event(1));
    await api.waitFor((a) => a.received.length === 1);
    const report = await audit.shutdown({ timeout: 50 });
    expect(report.pending).toBe(1);
    expectInvariant(audit);
  });

  test('undelivered events re-sent with their id are stored once', async () => {
    let down = true;
    api = await startScriptedApi(() => (down ? { status: 503 } : undefined));
    const first = client(api.url);
    first.enqueue(event(1));
    const { undelivered } = await first.shutdown({ timeout: 30 });
    down = false;
    const second = client(api.url);
    for (const u of undelivered) second.enqueue(u.event, { id: u.id });
    for (const u of undelivered) second.enqueue(u.event, { id: u.id });
    await second.shutdown();
    expect(api.stored).toHaveLength(1);
  });

  test('while paused by a 429, returns at once instead of waiting for the timeout', async () => {
    api = await startScriptedApi(() => ({ status: 429, body: { error: 'Monthly event limit reached' } }));
    const audit = client(api.url);
    audit.enqueue(event(1));
    const logged = audit.log(event(2)).catch((e: AuditLedgeError) => e.reason);
    await api.waitFor((a) => a.received.length >= 1);
    while (audit.stats().state !== 'quota_exceeded') await new Promise((r) => setImmediate(r));
    // Waiting for the 30 s timeout would fail this test by its own (shorter) timeout.
    const report = await audit.shutdown({ timeout: 30_000 });
    expect(report.pending).toBe(2);
    expect(await logged).toBe('shutdown');
  });
});

describe('never an unhandled rejection', () => {
  test('unawaited log() calls that fail in every way', async () => {
    const seen: unknown[] = [];
    const onUnhandled = (reason: unknown) => seen.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      api = await startScriptedApi(() => ({ status: 400, body: { error: 'Missing required fields' } }));
      const audit = client(api.url, { maxQueueSize: 1, flushInterval: 60_000 });
      audit.log({ action: 'x' } as never); // invalid
      audit.log(event(1)); // 400 later
      audit.log(event(2)); // queue full
      await audit.flush();
      const closing = audit.shutdown();
      audit.log(event(3)); // closed
      await closing;
      // An unhandled rejection is reported once the microtask queue drains: before setImmediate.
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual([]);
      expect(audit.stats().dropped).toMatchObject({ invalid: 1, queue_full: 1 });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('secrets', () => {
  test('the API key appears in no inspect, JSON, error or log line', async () => {
    const lines: string[] = [];
    const logger = { warn: (o: object, m?: string) => lines.push(JSON.stringify(o) + m) };
    api = await startScriptedApi(() => ({ status: 401, body: { error: 'Invalid API key' } }));
    const errors: AuditLedgeError[] = [];
    const audit = client(api.url, { logger, onError: (e) => errors.push(e), authRetryInterval: 60_000 });
    const failed = await audit.query().catch((e: AuditLedgeError) => e);
    audit.enqueue(event());
    await api.waitFor((a) => a.received.length >= 2);
    while (errors.length === 0) await new Promise((r) => setImmediate(r));
    const everything = [
      inspect(audit, { depth: 10, showHidden: true }),
      JSON.stringify(audit),
      JSON.stringify(failed),
      String(failed),
      (failed as Error).stack,
      ...errors.map((e) => `${JSON.stringify(e)} ${e.stack}`),
      ...lines,
    ].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('0123456789abcdef');
    await audit.shutdown({ timeout: 0 });
  });

  test('a key with a newline or spaces is refused without echoing it', () => {
    for (const bad of ['al_secret_value\n', 'al_secret value', 'al_secret\u0000x']) {
      const err = (() => {
        try {
          new AuditLedge(bad, { baseUrl: 'http://127.0.0.1:1' });
        } catch (e) {
          return e as AuditLedgeError;
        }
      })();
      expect(err).toBeInstanceOf(AuditLedgeError);
      expect(err!.code).toBe('AL_ERR_CONFIG');
      expect(err!.message).not.toContain('secret');
    }
  });

  test('the key falls back to AUDITLEDGE_API_KEY, and its absence is a clear error', () => {
    const saved = process.env.AUDITLEDGE_API_KEY;
    try {
      delete process.env.AUDITLEDGE_API_KEY;
      expect(() => new AuditLedge()).toThrow(/AUDITLEDGE_API_KEY/);
      process.env.AUDITLEDGE_API_KEY = 'al_from_env';
      expect(new AuditLedge(undefined, { baseUrl: 'http://127.0.0.1:1' }).stats().state).toBe('running');
    } finally {
      if (saved === undefined) delete process.env.AUDITLEDGE_API_KEY;
      else process.env.AUDITLEDGE_API_KEY = saved;
    }
  });

  test('options are checked, naming the option', () => {
    expect(() => new AuditLedge(KEY, { concurrency: 0 })).toThrow(/options\.concurrency/);
    expect(() => new AuditLedge(KEY, { flushAt: Number.NaN })).toThrow(/options\.flushAt/);
    expect(() => new AuditLedge(KEY, { baseUrl: 'ftp://x' })).toThrow(/options\.baseUrl/);
    expect(() => new AuditLedge(KEY, { onError: 'no' as never })).toThrow(/options\.onError/);
    expect(() => new AuditLedge(KEY, { flushInterval: 2 ** 31 })).toThrow(/options\.flushInterval.*at most/);
  });
});
