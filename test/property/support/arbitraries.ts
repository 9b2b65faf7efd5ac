import fc from 'fast-check';
import type { Transport, TransportRequest } from '../../../packages/core/src/index.js';

/** A JSON-safe metadata value (what validation must accept), including `Date` and `undefined`. */
export const jsonSafe: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 10 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4, noNullPrototype: false }),
})).value;

/** A metadata object whose every value is JSON-safe. */
export const safeMetadata = fc.dictionary(fc.string({ maxLength: 8 }), jsonSafe, { maxKeys: 5 });

class Money {
  constructor(readonly cents: number) {}
}

/** Values that do not survive JSON (or are not plain data): validation must refuse each one (a bigint is not one: it is sent as its decimal string). */
export const poison = fc.oneof(
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(Number.NEGATIVE_INFINITY),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.constant(new Map([['a', 1]])),
  fc.constant(new Set([1])),
  fc.constant(new Money(5)),
  fc.constant(new Date(Number.NaN)),
  fc.constant(new Uint8Array([1, 2])),
  fc.constant(Object.assign(new String('boxed'), {})),
  fc.constant(new Error('not data')),
);

/** Keys that have tripped prototype pollution in JSON handling elsewhere. */
export const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
  'valueOf',
);

/**
 * JSON text of an object tree whose keys are often hostile. Parsed with JSON.parse, a
 * `__proto__` key becomes an own data property, exactly as when it arrives in a request body.
 */
export const hostileJsonText: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
    fc
      .array(fc.tuple(fc.oneof(hostileKey, fc.string({ maxLength: 6 })), tie('node')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    fc.array(tie('node'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  ),
  object: fc
    .array(fc.tuple(fc.oneof(hostileKey, fc.string({ maxLength: 6 })), tie('node')), { maxLength: 5 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
})).object as fc.Arbitrary<string>;

/** A non-empty string that is not only whitespace (what the API requires of ids). */
export const id = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== '');

/** A valid event with arbitrary (but JSON-safe) content. */
export const validEvent = fc.record(
  {
    actor: fc.record(
      { id, name: fc.option(fc.string(), { nil: null }), email: fc.option(fc.string(), { nil: null }) },
      { requiredKeys: ['id'] },
    ),
    action: id,
    resource: fc.record(
      { type: id, id, name: fc.option(fc.string(), { nil: null }) },
      { requiredKeys: ['type', 'id'] },
    ),
    organization_id: fc.option(fc.string({ minLength: 1 }), { nil: null }),
    metadata: fc.option(safeMetadata, { nil: null }),
    timestamp: fc.oneof(
      fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31T00:00:00Z') }),
      fc
        .date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31T00:00:00Z') })
        .map((d) => d.toISOString()),
    ),
  },
  { requiredKeys: ['actor', 'action', 'resource'] },
);

/** Snapshots of Object.prototype and friends, to prove nothing was added to them. */
export function prototypeFingerprint(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((p) => Reflect.ownKeys(p).map(String).sort().join(','))
    .join('|');
}

/** An in-memory transport that answers 201 to every POST and keeps what it was sent. */
export function recordingTransport(): Transport & { sent: TransportRequest[] } {
  const sent: TransportRequest[] = [];
  return {
    sent,
    async request(req) {
      sent.push(req);
      return {
        status: 201,
        headers: {},
        body: JSON.stringify({ success: true, event: { id: req.headers['idempotency-key'] } }),
      };
    },
  };
}
