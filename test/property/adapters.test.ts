// Hostile input through the adapters: arbitrary route params, mapper results and req.audit
// calls (cycles, huge strings, deep nesting, pollution keys, values JSON cannot carry) against
// a real app per framework. The request is always answered as the handler meant, every event
// sent is valid, every request ends in an event or an onError report, credentials from
// Authorization/Cookie headers never reach the trail or onError, and no prototype changes.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuditLedge } from '../../packages/core/src/index.js';
import { type AdapterFramework, factories, type Hooks, type RunningApp, routes } from './support/apps.js';
import {
  hostileJsonText,
  poison,
  prototypeFingerprint,
  recordingTransport,
  safeMetadata,
} from './support/arbitraries.js';

const userToken = 'eyJhbGciOiJIUzI1NiJ9.user-session-token-7f3a';
const cookieSecret = 'sid-cookie-secret-91c2';
const headers = {
  authorization: `Bearer ${userToken}`,
  cookie: `sid=${cookieSecret}; theme=dark`,
  'x-api-key': `al_live_${cookieSecret}`,
};

function nest(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
}

/** Metadata as a careless or hostile app could hand it over. */
const hostileMetadata: fc.Arbitrary<() => unknown> = fc.oneof(
  safeMetadata.map((m) => () => m),
  fc.tuple(safeMetadata, poison).map(([m, p]) => () => ({ ...m, bad: p })),
  safeMetadata.map((m) => () => {
    const copy: Record<string, unknown> = { ...m };
    copy.self = copy;
    return { outer: copy };
  }),
  fc.integer({ min: 20, max: 120 }).map((n) => () => ({ deep: nest(n, 'leaf') })),
  fc.integer({ min: 40_000, max: 150_000 }).map((n) => () => ({ blob: 'é'.repeat(n) })),
  hostileJsonText.map((text) => () => JSON.parse(text)),
  fc.anything({ withBigInt: true, withMap: true, withNullPrototype: true }).map((v) => () => v),
);

/** Where the request's headers may end up in what the metadata mapper returns. */
const headerNesting = fc.integer({ min: 0, max: 25 }).map((depth) => (h: Record<string, unknown>) => ({
  request: nest(depth, { headers: h, Authorization: h.authorization, Cookie: h.cookie }),
}));

// `.` and `..` are dot segments: URL normalisation removes them before any router sees them.
const segment = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 12 }),
    fc.constantFrom('__proto__', 'constructor', 'prototype', '...', '%', ' ', 'v1', 'api', 'null', '😀'),
  )
  .filter((s) => s !== '.' && s !== '..');

type Call =
  | 'none'
  | 'set-metadata'
  | 'set-anything'
  | 'log'
  | 'log-anything'
  | 'skip'
  | 'set-getter'
  | 'log-getter';

/** Metadata like an ORM entity whose lazy field throws once its session is closed. */
function entityWithThrowingGetter(): Record<string, unknown> {
  return Object.defineProperty({ id: 'inv_1' }, 'lines', {
    enumerable: true,
    get() {
      throw new Error('session closed');
    },
  });
}

const run = fc.record({
  route: fc.nat({ max: routes.length - 1 }),
  a: segment,
  b: segment,
  mapper: fc.oneof(
    hostileMetadata.map((make) => ({ kind: 'value' as const, make })),
    headerNesting.map((wrap) => ({ kind: 'headers' as const, wrap })),
    fc.constant({ kind: 'throws' as const }),
  ),
  actor: fc.oneof(
    fc.constant(undefined),
    fc.anything({ withBigInt: true, withNullPrototype: true }),
    fc.record({ id: fc.string(), passwordHash: fc.constant('pbkdf2$secret') }),
  ),
  call: fc.constantFrom<Call>('none', 'set-metadata', 'set-anything', 'log', 'log-anything', 'skip'),
  handlerMetadata: hostileMetadata,
  anything: fc.anything({ withBigInt: true, withNullPrototype: true }),
});

function render(value: unknown): string {
  return inspect(value, { depth: 20, showHidden: true });
}

const frameworks = Object.keys(factories) as AdapterFramework[];

describe.each(frameworks)('%s adapter on hostile input', (framework) => {
  const transport = recordingTransport();
  const client = new AuditLedge('al_prop_adapter_key', { transport, flushAt: 1, flushInterval: 0 });
  const errors: string[] = [];
  let hooks: Hooks;
  let app: RunningApp;
  let sample: typeof run extends fc.Arbitrary<infer T> ? T : never;

  beforeAll(async () => {
    hooks = {
      metadata(h) {
        const m = sample.mapper;
        if (m.kind === 'throws') throw new Error('metadata mapper failed');
        return m.kind === 'headers' ? m.wrap(h) : m.make();
      },
      actor: () => sample.actor,
      handle(audit) {
        switch (sample.call) {
          case 'set-metadata':
            audit.set({ metadata: sample.handlerMetadata() });
            break;
          case 'set-anything':
            audit.set(sample.anything);
            break;
          case 'log':
            audit.log({
              action: 'invoice.viewed',
              resource: { type: 'invoice', id: 'i_1' },
              metadata: sample.handlerMetadata(),
            });
            break;
          case 'log-anything':
            audit.log(sample.anything);
            break;
          case 'skip':
            audit.skip();
            break;
          case 'set-getter':
            audit.set({ metadata: entityWithThrowingGetter() });
            break;
          case 'log-getter':
            audit.log({
              action: 'invoice.viewed',
              resource: { type: 'invoice', id: 'i_1' },
              metadata: entityWithThrowingGetter(),
            });
            break;
        }
      },
    };
    app = await factories[framework]!(client, hooks, (err, ctx) =>
      errors.push(`${render(err)} ${render(ctx)}`),
    );
  });
  afterAll(async () => {
    await app.close();
    await client.shutdown();
  });

  test('the request is answered as the handler meant; what is sent is valid; nothing leaks or pollutes', async () => {
    const before = prototypeFingerprint();
    await fc.assert(
      fc.asyncProperty(run, async (s) => {
        sample = s;
        transport.sent.length = 0;
        errors.length = 0;
        const route = routes[s.route]!;
        const path = route.path(encodeURIComponent(s.a), encodeURIComponent(s.b));
        const res = await fetch(app.url + path, { method: route.method, headers });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ ok: true });

        // Each request ends in its own event (unless skipped) and one per logged object, each
        // either sent or reported to onError: nothing vanishes silently.
        const logged =
          s.call === 'log' ||
          (s.call === 'log-anything' && typeof s.anything === 'object' && s.anything !== null)
            ? 1
            : 0;
        const expected = (s.call === 'skip' ? 0 : 1) + logged;
        // An event sent with its metadata cut to fit is also reported (metadata_truncated): it
        // counts once, as sent.
        const failures = () => errors.filter((line) => !line.includes('metadata_truncated')).length;
        for (let i = 0; i < 200 && transport.sent.length + failures() < expected; i++) {
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await client.flush();
        expect(transport.sent.length + failures()).toBe(expected);
        expect(transport.sent.filter((req) => req.body!.includes('"metadata_truncated":true')).length).toBe(
          errors.length - failures(),
        );

        for (const req of transport.sent) {
          const body = JSON.parse(req.body!) as Record<string, Record<string, unknown>>;
          for (const field of [body.actor?.id, body.action, body.resource?.type, body.resource?.id]) {
            expect(typeof field === 'string' && field.trim() !== '').toBe(true);
          }
          expect(req.body).not.toContain(userToken);
          expect(req.body).not.toContain(cookieSecret);
          expect(req.body).not.toContain('pbkdf2$secret');
        }
        for (const line of errors) {
          expect(line).not.toContain(userToken);
          expect(line).not.toContain(cookieSecret);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 150 },
    );
    expect(prototypeFingerprint()).toBe(before);
    const s = client.stats();
    expect(s.accepted).toBe(s.delivered + s.dropped.total + s.queued + s.inFlight);
  });

  test.each([
    ['set', 'set-getter'],
    ['log', 'log-getter'],
  ] as const)(
    'req.audit.%s() given metadata whose getter throws (a lazy ORM field): the request is still answered',
    async (_name, call) => {
      sample = {
        route: 0,
        a: 'o_1',
        b: 'inv_1',
        mapper: { kind: 'value', make: () => ({}) },
        actor: undefined,
        call,
        handlerMetadata: () => ({}),
        anything: null,
      };
      errors.length = 0;
      const res = await fetch(`${app.url}/orgs/o_1/invoices/inv_1`, { method: 'DELETE', headers });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true });
    },
  );
});
