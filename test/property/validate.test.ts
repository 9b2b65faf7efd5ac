// Hostile input to the core client: arbitrary events and metadata (cycles, deep nesting, values
// that do not survive JSON, prototype-pollution keys, huge strings). Whatever comes in, the
// client throws only its validation error, sends only valid events, and pollutes nothing.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type AuditEventInput,
  AuditLedge,
  AuditLedgeValidationError,
  validateEvent,
} from '../../packages/core/src/index.js';
import {
  hostileJsonText,
  jsonSafe,
  poison,
  prototypeFingerprint,
  recordingTransport,
  safeMetadata,
  validEvent,
} from './support/arbitraries.js';

const base = (): AuditEventInput => ({
  actor: { id: 'u_1' },
  action: 'invoice.updated',
  resource: { type: 'invoice', id: 'inv_1' },
});

/** What the API requires of a body: the check `local` and the hosted API make, written independently. */
function expectApiValid(body: string): void {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim() !== '';
  const actor = parsed.actor as Record<string, unknown>;
  const resource = parsed.resource as Record<string, unknown>;
  expect(
    nonEmpty(actor?.id) && nonEmpty(parsed.action) && nonEmpty(resource?.type) && nonEmpty(resource?.id),
  ).toBe(true);
  expect(
    Object.keys(parsed).every((k) =>
      ['actor', 'action', 'resource', 'organization_id', 'metadata', 'timestamp'].includes(k),
    ),
  ).toBe(true);
  expect(new Date(parsed.timestamp as string).toISOString()).toBe(parsed.timestamp);
  if ('metadata' in parsed)
    expect(typeof parsed.metadata === 'object' && !Array.isArray(parsed.metadata)).toBe(true);
}

/** Calls fn and returns what it threw (or undefined). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}

type Container = { node: object; path: string; ancestors: object[] };

/** Every object/array in a tree, with its validation path and the containers above it. */
function containers(root: object, path = 'metadata', ancestors: object[] = []): Container[] {
  const here: Container = { node: root, path, ancestors };
  const out: Container[] = [here];
  const below = [...ancestors, root];
  if (Array.isArray(root)) {
    root.forEach((v, i) => {
      if (v !== null && typeof v === 'object' && !(v instanceof Date))
        out.push(...containers(v, `${path}[${i}]`, below));
    });
  } else {
    for (const [k, v] of Object.entries(root)) {
      if (v !== null && typeof v === 'object' && !(v instanceof Date))
        out.push(...containers(v, `${path}.${k}`, below));
    }
  }
  return out;
}

describe('validateEvent on hostile input', () => {
  test('anything at all: returns a JSON-safe payload or throws AuditLedgeValidationError, nothing else', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    const eventish = fc.oneof(
      anything,
      fc.record(
        { actor: anything, action: anything, resource: anything, metadata: anything },
        { requiredKeys: [] },
      ),
      validEvent.chain((e) => fc.record({ metadata: anything }).map((m) => ({ ...e, ...m }))),
    );
    const before = prototypeFingerprint();
    fc.assert(
      fc.property(eventish, (input) => {
        const err = thrown(() => {
          const payload = validateEvent(input as AuditEventInput);
          expectApiValid(JSON.stringify(payload));
          // What we send validates again, unchanged: the payload is a fixed point.
          expect(JSON.stringify(validateEvent(JSON.parse(JSON.stringify(payload))))).toBe(
            JSON.stringify(payload),
          );
        });
        if (err !== undefined) expect(err).toBeInstanceOf(AuditLedgeValidationError);
      }),
      { numRuns: 300 },
    );
    expect(prototypeFingerprint()).toBe(before);
  });

  test('valid events are accepted whatever their content, and stamped with an ISO time', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const payload = validateEvent(event as AuditEventInput);
        expectApiValid(JSON.stringify(payload));
        expect(payload.actor.id).toBe(event.actor.id);
      }),
      { numRuns: 200 },
    );
  });

  test('one value that does not survive JSON, anywhere in metadata, is refused naming its path', () => {
    const withPoison = fc
      .tuple(safeMetadata, poison, fc.nat(), fc.string({ maxLength: 6 }))
      .map(([metadata, bad, pick, key]) => {
        const spots = containers(metadata);
        const spot = spots[pick % spots.length]!;
        let path: string;
        if (Array.isArray(spot.node)) {
          path = `${spot.path}[${spot.node.length}]`;
          spot.node.push(bad);
        } else {
          const k = `${key}_x`;
          path = `${spot.path}.${k}`;
          (spot.node as Record<string, unknown>)[k] = bad;
        }
        return { metadata, path };
      });
    fc.assert(
      fc.property(withPoison, ({ metadata, path }) => {
        const err = thrown(() => validateEvent({ ...base(), metadata: metadata as never }));
        expect(err).toBeInstanceOf(AuditLedgeValidationError);
        expect((err as AuditLedgeValidationError).field).toBe(path);
      }),
      { numRuns: 300 },
    );
  });

  test('a reference back to an ancestor is a cycle and refused; a shared reference elsewhere is fine', () => {
    const linked = fc.tuple(safeMetadata, fc.nat(), fc.nat()).map(([metadata, from, to]) => {
      const spots = containers(metadata);
      const source = spots[from % spots.length]!;
      const target = spots[to % spots.length]!;
      const cyclic = target.node === source.node || source.ancestors.includes(target.node);
      if (Array.isArray(source.node)) source.node.push(target.node);
      else (source.node as Record<string, unknown>).link_ = target.node;
      return { metadata, cyclic };
    });
    fc.assert(
      fc.property(linked, ({ metadata, cyclic }) => {
        const err = thrown(() => validateEvent({ ...base(), metadata: metadata as never }));
        if (cyclic) {
          expect(err).toBeInstanceOf(AuditLedgeValidationError);
          expect((err as Error).message).toMatch(/circular/);
        } else {
          expect(err).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });

  test('nesting is accepted up to 32 levels and refused beyond, with objects and arrays alike', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 0, maxLength: 60 }), (levels) => {
        // levels[i]: whether container i+1 below metadata is an array or an object.
        let inner: unknown = 'leaf';
        for (const isArray of [...levels].reverse()) inner = isArray ? [inner] : { k: inner };
        const err = thrown(() => validateEvent({ ...base(), metadata: { top: inner } as never }));
        if (levels.length < 32) expect(err).toBeUndefined();
        else expect((err as Error).message).toMatch(/deeper than 32/);
      }),
      { numRuns: 200 },
    );
  });

  test('prototype-pollution keys (from JSON.parse) stay data at any depth and pollute nothing', () => {
    const before = prototypeFingerprint();
    fc.assert(
      fc.property(hostileJsonText, (text) => {
        const metadata = JSON.parse(text);
        const payload = validateEvent({ ...base(), metadata });
        // The same JSON goes out: no key lost, none turned into a prototype.
        expect(JSON.stringify(payload.metadata)).toBe(JSON.stringify(JSON.parse(text)));
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    expect(prototypeFingerprint()).toBe(before);
  });
});

describe('the client on hostile input', () => {
  test('enqueue() throws only validation errors, synchronously, and sends only what the API accepts', async () => {
    const mixed = fc.array(
      fc.oneof(
        validEvent,
        validEvent.map((e) => ({ ...e, actor: { id: '   ' } })),
        validEvent.chain((e) => poison.map((p) => ({ ...e, metadata: { bad: p } }))),
        fc.anything({ withBigInt: true, withMap: true, withNullPrototype: true }),
      ),
      { maxLength: 30 },
    );
    const before = prototypeFingerprint();
    await fc.assert(
      fc.asyncProperty(mixed, async (events) => {
        const transport = recordingTransport();
        const audit = new AuditLedge('al_prop_key', { transport, flushInterval: 0 });
        const accepted: string[] = [];
        for (const event of events) {
          const err = thrown(() => accepted.push(audit.enqueue(event as AuditEventInput)));
          if (err !== undefined) expect(err).toBeInstanceOf(AuditLedgeValidationError);
        }
        await audit.flush();
        expect(transport.sent.map((r) => r.headers['idempotency-key'])).toEqual(accepted);
        for (const req of transport.sent) expectApiValid(req.body!);
        const s = audit.stats();
        expect(s).toMatchObject({
          accepted: accepted.length,
          delivered: accepted.length,
          queued: 0,
          inFlight: 0,
        });
        expect(s.dropped.total).toBe(0);
        await audit.shutdown();
      }),
      { numRuns: 150 },
    );
    expect(prototypeFingerprint()).toBe(before);
  });

  test('oversized metadata is refused with a clear error naming the limit, and never sent', async () => {
    // 1-, 2-, 3- and 4-byte characters: the limit is on UTF-8 bytes, not string length.
    const blob = fc.tuple(fc.constantFrom('a', 'é', '€', '😀'), fc.integer({ min: 0, max: 40_000 }));
    await fc.assert(
      fc.asyncProperty(blob, jsonSafe, async ([char, count], extra) => {
        const transport = recordingTransport();
        const maxEventBytes = 64 * 1024;
        const audit = new AuditLedge('al_prop_key', { transport, flushInterval: 0, maxEventBytes });
        const event = { ...base(), metadata: { blob: char.repeat(count), extra } as never };
        const size = Buffer.byteLength(JSON.stringify(validateEvent(event)));
        const err = thrown(() => audit.enqueue(event));
        await audit.flush();
        if (size <= maxEventBytes) {
          expect(err).toBeUndefined();
          expect(transport.sent).toHaveLength(1);
        } else {
          expect(err).toBeInstanceOf(AuditLedgeValidationError);
          expect((err as AuditLedgeValidationError).field).toBe('metadata');
          expect((err as Error).message).toContain(`${size} bytes`);
          expect((err as Error).message).toContain('maxEventBytes');
          // Clear, and short: the error does not carry the blob with it.
          expect((err as Error).message.length).toBeLessThan(200);
          expect(transport.sent).toHaveLength(0);
          expect(audit.stats().accepted).toBe(0);
        }
        await audit.shutdown();
      }),
      { numRuns: 100 },
    );
  });
});
