import { afterEach, describe, expect, test, vi } from 'vitest';
import { type ScriptedApi, sequence, startScriptedApi } from '../../../test/support/scriptedApi.js';
import {
  AuditLedge,
  AuditLedgeError,
  AuditLedgeValidationError,
  type DropReason,
  type UndeliveredEvent,
} from '../src/index.js';
import type { Transport } from '../src/transport.js';
import { client, event, expectInvariant, KEY } from './helpers.js';

let api: ScriptedApi;
let audit: AuditLedge | undefined;
afterEach(async () => {
  if (audit) expectInvariant(audit);
  await audit?.shutdown({ timeout: 100 });
  await api?.close();
  audit = undefined;
});

const posts = (a: ScriptedApi) => a.received.filter((r) => r.method === 'POST');

describe('delivery', () => {
  test('log() resolves with the stored event after a 201, one POST per event', async () => {
    api = await startScriptedApi();
    audit = client(api.url);
    const stored = await audit.log(event(1, { organization_id: 'org_9', metadata: { field: 'status' } }));
    expect(stored).toMatchObject({ actor_id: 'user_1', action: 'invoice.deleted', resource_id: 'inv_1' });
    expect(stored.organization_id).toBe('org_9');
    const [req] = posts(api);
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toMatch(/^auditledge-node\//);
    expect(req!.body).toMatchObject({ actor: { id: 'user_1' }, resource: { type: 'invoice', id: 'inv_1' } });
    expect(typeof (req!.body as { timestamp: string }).timestamp).toBe('string');
    expect(audit.stats()).toMatchObject({ accepted: 1, delivered: 1, queued: 0, inFlight: 0 });
  });

  test('enqueue() returns the id sent as Idempotency-Key, and the body is a snapshot', async () => {
    api = await startScriptedApi();
    audit = client(api.url);
    const metadata = { note: 'before' };
    const id = audit.enqueue(event(1, { metadata }));
    metadata.note = 'after';
    await audit.flush();
    expect(posts(api)[0]!.headers['idempotency-key']).toBe(id);
    expect(api.stored[0]!.metadata).toEqual({ note: 'before' });
  });

  test("an event's timestamp and its id carry the same millisecond: the one the client read at enqueue", async () => {
    // Ahead of any id made so far: ids never go back in time (see uuid.test.ts).
    const at = Date.now() + 86_400_123;
    vi.useFakeTimers({ toFake: ['Date'], now: at });
    try {
      const bodies: string[] = [];
      const transport: Transport = {
        async request(req) {
          bodies.push(req.body!);
          return { status: 201, headers: {}, body: '{}' };
        },
      };
      audit = new AuditLedge(KEY, { transport, flushInterval: 5 });
      const id = audit.enqueue(event(1));
      vi.setSystemTime(at + 60_000); // the clock moving on before delivery changes neither
      await audit.flush();
      expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
      expect(JSON.parse(bodies[0]!).timestamp).toBe(new Date(at).toISOString());
    } finally {
      vi.useRealTimers();
    }
  });

  test('waits for flushAt events or flushInterval, whichever comes first', async () => {
    api = await startScriptedApi();
    audit = client(api.url, { flushAt: 3, flushInterval: 60_000 });
    audit.enqueue(event(1));
    audit.enqueue(event(2));
    await new Promise((r) => setImmediate(r));
    expect(api.received).toHaveLength(0);
    audit.enqueue(event(3));
    await audit.flush();
    expect(api.stored).toHaveLength(3);
    expect(audit.stats().delivered).toBe(3);
  });

  test('never exceeds the concurrency cap (counted by the server)', async () => {
    api = await startScriptedApi(async () => {
      await new Promise((r) => setTimeout(r, 2));
      return undefined;
    });
    audit = client(api.url, { concurrency: 4, flushAt: 1 });
    for (let i = 0; i < 200; i++) audit.enqueue(event(i));
    await audit.flush();
    expect(api.stored).toHaveLength(200);
    expect(api.maxConcurrent).toBeLessThanOrEqual(4);
    expect(api.maxConcurrent).toBeGreaterThan(1);
  });

  test('retries 5xx, resets and timeouts with the same Idempotency-Key, without duplicates', async () => {
    api = await startScriptedApi(
      sequence(['reset', { status: 500, body: { error: 'boom' } }, 'stall', { status: 503 }]),
    );
    audit = client(api.url, { timeout: 200 });
    const id = audit.enqueue(event());
    await audit.flush();
    const keys = posts(api).map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual([id, id, id, id, id]);
    expect(api.stored).toHaveLength(1);
    expect(audit.stats()).toMatchObject({ delivered: 1, retries: 4 });
  });

  test('honours Retry-After on a 503', async () => {
    api = await startScriptedApi(sequence([{ status: 503, headers: { 'retry-after': '1' } }]));
    audit = client(api.url, { maxRetryDelay: 5_000 });
    await audit.log(event());
    const [first, second] = posts(api);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  test('a 400 drops the event as invalid, without retrying, and log() rejects with the API message', async () => {
    api = await startScriptedApi(() => ({ status: 400, body: { error: 'Missing required fields' } }));
    const errors: AuditLedgeError[] = [];
    const drops: [UndeliveredEvent, DropReason][] = [];
    audit = client(api.url, { onError: (e) => errors.push(e), onDrop: (e, r) => drops.push([e, r]) });
    const err = await audit.log(event(7)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditLedgeError);
    expect(err).toMatchObject({ status: 400, code: 'AL_ERR_BAD_REQUEST' });
    expect((err as Error).message).toContain('Missing required fields');
    expect(posts(api)).toHaveLength(1);
    expect(audit.stats().dropped.invalid).toBe(1);
    expect(errors).toHaveLength(1);
    expect(drops[0]![1]).toBe('invalid');
    expect(drops[0]![0].event.resource.id).toBe('inv_7');
  });

  test('gives up after maxRetries and reports retries_exhausted', async () => {
    api = await startScriptedApi(() => ({ status: 502 }));
    audit = client(api.url, { maxRetries: 2 });
    const err = await audit.log(event()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AL_ERR_DROPPED', reason: 'retries_exhausted', status: 502 });
    expect(posts(api)).toHaveLength(3);
    expect(audit.stats().dropped.retries_exhausted).toBe(1);
  });

  test('drops events older than maxEventAge instead of retrying them forever', async () => {
    api = await startScriptedApi(() => ({ status: 500 }));
    audit = client(api.url, { maxEventAge: 0, maxRetries: 100 });
    const err = await audit.log(event()).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'expired' });
  });

  test('an outage costs one probe at a time, not one retry per event', async () => {
    let down = true;
    api = await startScriptedApi(() => (down ? 'reset' : undefined));
    audit = client(api.url, { concurrency: 16, retryBaseDelay: 20, maxRetryDelay: 20, flushAt: 1 });
    for (let i = 0; i < 100; i++) audit.enqueue(event(i));
    await api.waitFor((a) => a.received.length >= 30);
    const seenDuringOutage = api.received.length;
    down = false;
    await audit.flush();
    expect(api.stored).toHaveLength(100);
    // 16 in flight when it broke, then one probe per backoff: nowhere near 100 x retries.
    expect(seenDuringOutage).toBeLessThan(60);
  });
});

describe('pauses', () => {
  test('401: keeps events, probes once per authRetryInterval, resumes on setApiKey()', async () => {
    // Fake timers and an in-memory transport: the silence between probes is asserted on the
    // client's own clock, not by sleeping and hoping nothing was sent meanwhile.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    try {
      let goodKey = 'al_rotated_key';
      const at: number[] = [];
      const stored = new Set<string>();
      const transport: Transport = {
        async request(req) {
          at.push(Date.now());
          if (req.headers.authorization !== `Bearer ${goodKey}`)
            return { status: 401, headers: {}, body: '{"error":"Invalid API key"}' };
          stored.add(req.headers['idempotency-key']!);
          const body = JSON.parse(req.body!) as { action: string };
          return {
            status: 201,
            headers: {},
            body: JSON.stringify({ success: true, event: { id: 'evt', ...body } }),
          };
        },
        stream: () => Promise.reject(new Error('not used')),
      };
      const errors: AuditLedgeError[] = [];
      const paused = new AuditLedge(KEY, {
        transport,
        authRetryInterval: 60_000,
        flushInterval: 5,
        onError: (e) => errors.push(e),
      });
      for (let i = 0; i < 5; i++) paused.enqueue(event(i));
      await vi.advanceTimersByTimeAsync(5);
      expect(paused.stats()).toMatchObject({ state: 'unauthorized', delivered: 0, dropped: { total: 0 } });
      const inFlight = at.length;
      expect(inFlight).toBeGreaterThanOrEqual(1);
      expect(inFlight).toBeLessThanOrEqual(5); // what was in flight, then silence
      await vi.advanceTimersByTimeAsync(59_990);
      expect(at).toHaveLength(inFlight);
      await vi.advanceTimersByTimeAsync(10);
      expect(at).toHaveLength(inFlight + 1); // one probe, still refused
      expect(paused.stats()).toMatchObject({ state: 'unauthorized', queued: 5 });
      expect(errors[0]).toMatchObject({ code: 'AL_ERR_UNAUTHORIZED', status: 401 });
      expect(JSON.stringify(errors) + errors.map(String).join()).not.toContain(KEY);
      paused.setApiKey(goodKey);
      const flushed = paused.flush();
      await vi.advanceTimersByTimeAsync(1000);
      await flushed;
      expect(stored.size).toBe(5);
      expectInvariant(paused);
      goodKey = 'other';
      await paused.shutdown({ timeout: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  test('429: the quota breaker sends at most one probe per interval and keeps everything', async () => {
    // Fake timers and an in-memory transport: the interval is asserted on the client's own clock,
    // so a loaded machine cannot make it pass or fail.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    try {
      let quotaReset = false;
      const at: number[] = [];
      const stored = new Set<string>();
      const transport: Transport = {
        async request(req) {
          at.push(Date.now());
          if (!quotaReset)
            return { status: 429, headers: {}, body: '{"error":"Monthly event limit reached"}' };
          stored.add(req.headers['idempotency-key']!);
          const body = JSON.parse(req.body!) as { action: string };
          return {
            status: 201,
            headers: {},
            body: JSON.stringify({ success: true, event: { id: 'evt', ...body } }),
          };
        },
        stream: () => Promise.reject(new Error('not used')),
      };
      const quota = new AuditLedge(KEY, {
        transport,
        quotaRetryInterval: 100,
        concurrency: 8,
        flushInterval: 10,
      });
      // 50 events are past flushAt: they go out at once, 8 at a time.
      for (let i = 0; i < 50; i++) quota.enqueue(event(i));
      await vi.advanceTimersByTimeAsync(0);
      // The first 8 were in flight together when the first 429 came back; then single probes.
      expect(at).toHaveLength(8);
      for (let probe = 1; probe <= 5; probe++) {
        await vi.advanceTimersByTimeAsync(99);
        expect(at).toHaveLength(7 + probe);
        await vi.advanceTimersByTimeAsync(1);
        expect(at).toHaveLength(8 + probe);
        expect(at[7 + probe]! - at[6 + probe]!).toBeGreaterThanOrEqual(100);
      }
      expect(quota.stats()).toMatchObject({ state: 'quota_exceeded', dropped: { total: 0 } });
      quotaReset = true;
      await vi.advanceTimersByTimeAsync(100);
      const flushed = quota.flush();
      await vi.advanceTimersByTimeAsync(1000);
      await flushed;
      expect(stored.size).toBe(50);
      expectInvariant(quota);
      await quota.shutdown({ timeout: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('bounded memory', () => {
  test('a full queue drops new events with queue_full and reports each', async () => {
    api = await startScriptedApi(() => 'stall');
    const drops: DropReason[] = [];
    audit = client(api.url, {
      maxQueueSize: 5,
      flushAt: 1000,
      flushInterval: 60_000,
      onDrop: (_e, r) => drops.push(r),
    });
    const results = Array.from({ length: 8 }, (_, i) =>
      audit!.log(event(i)).catch((e: AuditLedgeError) => e.reason),
    );
    // log() sends at once: the five held are in flight (the API stalls) rather than queued.
    const held = audit.stats();
    expect(held).toMatchObject({ accepted: 8, dropped: { queue_full: 3, total: 3 } });
    expect(held.queued + held.inFlight).toBe(5);
    expect(drops).toEqual(['queue_full', 'queue_full', 'queue_full']);
    const report = await audit.shutdown({ timeout: 0 });
    expect(report.pending).toBe(5);
    expect(await Promise.all(results)).toEqual([
      ...Array(5).fill('shutdown'),
      ...Array(3).fill('queue_full'),
    ]);
  });

  test('the byte cap bounds memory too, and one oversized event is a validation error', async () => {
    api = await startScriptedApi(() => 'stall');
    audit = client(api.url, {
      maxQueueBytes: 2048,
      flushAt: 1000,
      flushInterval: 60_000,
      maxEventBytes: 1024,
    });
    const meta = { blob: 'x'.repeat(600) };
    audit.enqueue(event(1, { metadata: meta }));
    audit.enqueue(event(2, { metadata: meta }));
    audit.enqueue(event(3, { metadata: meta }));
    expect(audit.stats().dropped.queue_full).toBe(1);
    expect(audit.stats().queuedBytes).toBeLessThanOrEqual(2048);
    expect(() => audit!.enqueue(event(4, { metadata: { blob: 'x'.repeat(2000) } }))).toThrow(
      /metadata.*maxEventBytes/,
    );
  });
});

describe('caps count events in flight too', () => {
  test('a refused probe coming back never pushes the queue past maxQueueSize', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    api = await startScriptedApi(async () => {
      await gate;
      return { status: 429, body: { error: 'Monthly event limit reached' } };
    });
    audit = client(api.url, { maxQueueSize: 10, concurrency: 4, flushAt: 1, quotaRetryInterval: 60_000 });
    for (let i = 0; i < 20; i++) audit.enqueue(event(i));
    await api.waitFor((a) => a.received.length === 4);
    expect(audit.stats()).toMatchObject({ queued: 6, inFlight: 4, dropped: { queue_full: 10 } });
    release();
    while (audit.stats().inFlight > 0) await new Promise((r) => setImmediate(r));
    expect(audit.stats()).toMatchObject({ queued: 10, state: 'quota_exceeded' });
  });

  test('an object whose getter throws is a validation error, not a crash', () => {
    audit = new AuditLedge(KEY, { baseUrl: 'http://127.0.0.1:9' });
    const metadata = Object.defineProperty({}, 'lazy', {
      enumerable: true,
      get() {
        throw new Error('session closed');
      },
    });
    expect(() => audit!.enqueue(event(1, { metadata }))).toThrow(AuditLedgeValidationError);
    expect(audit.stats().accepted).toBe(0);
  });
});
