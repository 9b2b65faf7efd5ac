// Async mappers in the shared recorder: awaited after the response, bounded by mapperTimeout
// (fake timers), never an unhandled rejection, and no promise at all when every mapper is sync.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../../test/support/scriptedApi.js';
import type { FinishedRequest } from '../../src/adapter/finishedRequest.js';
import { AuditRecorder } from '../../src/adapter/recorder.js';
import { RequestAudit } from '../../src/adapter/requestAudit.js';
import { resolveRouteSpec } from '../../src/adapter/spec.js';
import type { AuditOptions } from '../../src/adapter/types.js';
import { AuditLedge, type AuditLedgeError, type ErrorContext } from '../../src/index.js';

interface FakeReq {
  tenant?: string;
}

let api: ScriptedApi;
let client: AuditLedge;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  api = await startScriptedApi();
  client = new AuditLedge('al_test', { baseUrl: api.url, flushInterval: 5 });
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await client.shutdown({ timeout: 1000 });
  await api.close();
});
beforeEach(() => {
  api.stored.length = 0;
  unhandled.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

function facts(over: Partial<FinishedRequest<FakeReq>> = {}): FinishedRequest<FakeReq> {
  return {
    req: { tenant: 't_9' },
    method: 'DELETE',
    route: '/invoices/:id',
    path: '/invoices/7',
    params: { id: '7' },
    status: 204,
    durationMs: 3,
    user: { id: 'u_1' },
    ip: undefined,
    userAgent: undefined,
    requestId: undefined,
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

/** Settles after `ms` real milliseconds: a lookup that takes a while. */
function later<T>(value: T, ms = 5): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

describe('async mappers are awaited', () => {
  test('every mapper may return a promise; their values make the event', async () => {
    const { r, errors } = recorder({
      actor: async () => later({ id: 'u_async', name: 'Async' }),
      organization: async (req) => later(`org_${req.tenant}`),
      action: async () => later('invoice.voided'),
      resource: async () => later({ type: 'bill', id: 'b_1', name: 'Bill 1' }),
      metadata: async (req) => later({ tenant: req.tenant }),
      skip: async () => later(false),
    });
    r.finish(new RequestAudit(), facts());
    await client.flush();
    expect(api.stored).toEqual([
      expect.objectContaining({
        actor: { id: 'u_async', name: 'Async' },
        action: 'invoice.voided',
        resource: { type: 'bill', id: 'b_1', name: 'Bill 1' },
        organization_id: 'org_t_9',
        metadata: expect.objectContaining({ tenant: 't_9', status: 204 }),
      }),
    ]);
    expect(errors).toEqual([]);
  });

  test('per-route async mappers and the events passed to log() share the async actor', async () => {
    const { r, errors } = recorder({ actor: () => later('u_7') });
    const state = new RequestAudit();
    state.spec = resolveRouteSpec<FakeReq>('invoice.sent', {
      metadata: async () => later({ via: 'route' }),
    }) as never;
    state.log({ action: 'invoice.emailed', resource: { type: 'invoice', id: '7' } });
    r.finish(state, facts({ method: 'POST', route: '/invoices/:id/send' }));
    await client.flush();
    const stored = api.inEnqueueOrder(api.stored);
    expect(stored.map((e) => [e.action, (e.actor as { id: string }).id])).toEqual([
      ['invoice.sent', 'u_7'],
      ['invoice.emailed', 'u_7'],
    ]);
    expect(stored[0]!.metadata).toMatchObject({ via: 'route' });
    expect(errors).toEqual([]);
  });

  test('an async skip returning true records nothing and calls no other mapper', async () => {
    const called: string[] = [];
    const { r, errors } = recorder({
      skip: async () => later(true),
      actor: () => {
        called.push('actor');
        return 'u_1';
      },
    });
    r.finish(new RequestAudit(), facts());
    await client.flush();
    expect(api.stored).toEqual([]);
    expect(called).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('async mappers run side by side and each is called once', async () => {
    let running = 0;
    let most = 0;
    const calls: string[] = [];
    const slow =
      <T>(name: string, value: T) =>
      async () => {
        calls.push(name);
        running++;
        most = Math.max(most, running);
        await later(undefined, 10);
        running--;
        return value;
      };
    const { r } = recorder({
      action: slow('action', 'invoice.voided'),
      actor: slow('actor', 'u_2'),
      organization: slow('organization', 'org_1'),
      metadata: slow('metadata', { a: 1 }),
    });
    r.finish(new RequestAudit(), facts());
    await client.flush();
    expect(api.stored).toHaveLength(1);
    expect(calls.sort()).toEqual(['action', 'actor', 'metadata', 'organization']);
    expect(most).toBe(4);
  });
});

describe('async mappers that fail', () => {
  test.each(['actor', 'organization', 'metadata', 'action', 'resource', 'skip'] as const)(
    'a rejecting async %s is reported as mapper_error, never an unhandled rejection',
    async (key) => {
      const before = client.stats().unrecorded.mapper_error;
      const { r, errors } = recorder({
        [key]: async () => {
          throw new Error(`${key} lookup failed`);
        },
      });
      r.finish(new RequestAudit(), facts());
      await client.flush();
      await new Promise((resolve) => setImmediate(resolve));
      expect(api.stored).toEqual([]);
      expect(errors.map((e) => [e.error.code, (e.error as { unrecorded?: string }).unrecorded])).toEqual([
        ['AL_ERR_MAPPER', 'mapper_error'],
      ]);
      expect(errors[0]!.error.message).toContain(`${key} lookup failed`);
      expect(client.stats().unrecorded.mapper_error).toBe(before + 1);
      expect(unhandled).toEqual([]);
    },
  );

  test('a mapper that never settles is reported as mapper_timeout after mapperTimeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const before = client.stats().unrecorded.mapper_timeout;
    const { r, errors } = recorder({
      mapperTimeout: 200,
      organization: () => new Promise<string>(() => {}),
    });
    r.finish(new RequestAudit(), facts());
    await vi.advanceTimersByTimeAsync(199);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(errors.map((e) => (e.error as { unrecorded?: string }).unrecorded)).toEqual(['mapper_timeout']);
    expect(errors[0]!.error.message).toContain('organization mapper for DELETE /invoices/:id');
    expect(errors[0]!.error.message).toContain('200 ms');
    expect(client.stats().unrecorded.mapper_timeout).toBe(before + 1);
    vi.useRealTimers();
    await client.flush();
    expect(api.stored).toEqual([]);
  });

  test('the wait is bounded per request, not per mapper; a late value is ignored', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    let resolveActor!: (id: string) => void;
    const { r, errors } = recorder({
      mapperTimeout: 100,
      action: () => new Promise<string>((resolve) => setTimeout(() => resolve('invoice.voided'), 60)),
      actor: () =>
        new Promise<string>((resolve) => {
          resolveActor = resolve;
        }),
    });
    r.finish(new RequestAudit(), facts());
    await vi.advanceTimersByTimeAsync(100);
    expect(errors.map((e) => (e.error as { unrecorded?: string }).unrecorded)).toEqual(['mapper_timeout']);
    resolveActor('u_late');
    await vi.advanceTimersByTimeAsync(1000);
    vi.useRealTimers();
    await client.flush();
    expect(api.stored).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  test('without onError, a timeout is one AUDITLEDGE_UNRECORDED warning naming mapper_timeout', async () => {
    const warnings: { code?: string; message: string }[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const r = new AuditRecorder<FakeReq>({ client, mapperTimeout: 0, actor: () => later('u_1', 50) });
      r.finish(new RequestAudit(), facts());
      r.finish(new RequestAudit(), facts());
      await client.flush();
      await new Promise((resolve) => setImmediate(resolve));
      const ours = warnings.filter((w) => w.code === 'AUDITLEDGE_UNRECORDED');
      expect(ours).toHaveLength(1);
      expect(ours[0]!.message).toContain('mapper_timeout');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('options', () => {
  test.each([-1, Number.NaN, '5000', Number.POSITIVE_INFINITY, 2 ** 31])(
    'mapperTimeout %s is refused, naming the option',
    (value) => {
      expect(() => new AuditRecorder({ client, mapperTimeout: value as never })).toThrow(
        expect.objectContaining({ code: 'AL_ERR_VALIDATION', field: 'options.mapperTimeout' }),
      );
    },
  );
});

/** Counts `then()` calls on native promises until the returned function is called. */
function countThens(): { count(): number; restore(): void } {
  const proto = Promise.prototype;
  const original = proto.then;
  let thens = 0;
  Object.defineProperty(proto, 'then', {
    configurable: true,
    writable: true,
    value: function countedThen(this: Promise<unknown>, ...args: Parameters<typeof original>) {
      thens++;
      return original.apply(this, args);
    },
  });
  return {
    count: () => thens,
    restore: () =>
      Object.defineProperty(proto, 'then', { configurable: true, writable: true, value: original }),
  };
}

describe('the synchronous path', () => {
  test('creates no promise when every mapper returns a plain value', () => {
    // A stand-in client that only collects: what is counted is the recorder's own work.
    const enqueued: unknown[] = [];
    const errors: unknown[] = [];
    const r = new AuditRecorder<FakeReq>({
      client: { enqueue: (event: unknown) => enqueued.push(event) } as never,
      onError: (error) => errors.push(error),
      actor: () => ({ id: 'u_sync' }),
      organization: () => 'org_sync',
      metadata: () => ({ sync: true }),
      action: () => 'invoice.voided',
      resource: () => ({ id: 'i_1' }),
      skip: () => false,
    });
    const state = new RequestAudit();
    state.log({ action: 'invoice.emailed', resource: { type: 'invoice', id: '7' } });
    const OriginalPromise = globalThis.Promise;
    let created = 0;
    // Every promise made through the global (new Promise, Promise.resolve/all) and every then().
    globalThis.Promise = class extends OriginalPromise<unknown> {
      constructor(executor: ConstructorParameters<typeof Promise<unknown>>[0]) {
        created++;
        super(executor);
      }
    } as PromiseConstructor;
    const thens = countThens();
    try {
      r.finish(state, facts());
    } finally {
      globalThis.Promise = OriginalPromise;
      thens.restore();
    }
    expect({ created, thens: thens.count() }).toEqual({ created: 0, thens: 0 });
    expect(enqueued).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  test('the same count sees the promise an async mapper makes (the check can fail)', () => {
    const r = new AuditRecorder<FakeReq>({
      client: { enqueue: () => {} } as never,
      actor: () => new Promise((resolve) => resolve('u_1')),
    });
    const thens = countThens();
    try {
      r.finish(new RequestAudit(), facts());
    } finally {
      thens.restore();
    }
    expect(thens.count()).toBeGreaterThan(0);
  });
});
