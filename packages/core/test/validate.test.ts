import { describe, expect, test } from 'vitest';
import { AuditLedgeError, AuditLedgeValidationError, validateEvent } from '../src/index.js';
import { event } from './helpers.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AuditLedgeValidationError);
    expect(err).toBeInstanceOf(AuditLedgeError);
    expect((err as AuditLedgeValidationError).code).toBe('AL_ERR_VALIDATION');
    return (err as AuditLedgeValidationError).field;
  }
  throw new Error('expected a validation error');
}

describe('validateEvent', () => {
  test('accepts a minimal event and stamps the time it was given', () => {
    const now = new Date('2026-01-02T03:04:05.678Z');
    const payload = validateEvent(event(), now);
    expect(payload).toEqual({ ...event(), timestamp: '2026-01-02T03:04:05.678Z' });
  });

  test.each([
    ['actor', { actor: undefined }],
    ['actor', { actor: 'alice' }],
    ['actor.id', { actor: { id: '' } }],
    ['actor.id', { actor: { id: '   ' } }],
    ['actor.id', { actor: { id: 42 } }],
    ['actor.name', { actor: { id: 'u', name: 3 } }],
    ['actor.email', { actor: { id: 'u', email: {} } }],
    ['actor.role', { actor: { id: 'u', role: 'admin' } }],
    ['action', { action: undefined }],
    ['action', { action: '' }],
    ['resource', { resource: null }],
    ['resource.type', { resource: { id: 'x' } }],
    ['resource.id', { resource: { type: 'invoice', id: '' } }],
    ['resource.id', { resource: { type: 'invoice', id: 9 } }],
    ['organization_id', { organization_id: 7 }],
    ['organizationId', { organizationId: 'o' }],
    ['metadata', { metadata: [] }],
    ['metadata', { metadata: 'x' }],
    ['metadata', { metadata: new Map() }],
    ['timestamp', { timestamp: 'yesterday' }],
    ['timestamp', { timestamp: '2026-13-45T00:00:00Z' }],
    ['timestamp', { timestamp: new Date('nope') }],
    ['timestamp', { timestamp: 1700000000000 }],
  ])('names %s', (field, patch) => {
    expect(fieldOf(() => validateEvent({ ...event(), ...(patch as object) } as never))).toBe(field);
  });

  test("sends a bigint in metadata as its decimal string, without touching the caller's object", () => {
    const metadata = { n: 10n, deep: { list: [1, 2n ** 70n] } };
    const payload = validateEvent(event(1, { metadata: metadata as never }));
    expect(JSON.parse(JSON.stringify(payload)).metadata).toEqual({
      n: '10',
      deep: { list: [1, '1180591620717411303424'] },
    });
    expect(metadata.n).toBe(10n);
  });

  test('rejects metadata that does not survive JSON, naming the path', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(fieldOf(() => validateEvent(event(1, { metadata: cyclic as never })))).toBe('metadata.self');
    expect(fieldOf(() => validateEvent(event(1, { metadata: { f: () => 1 } as never })))).toBe('metadata.f');
    expect(fieldOf(() => validateEvent(event(1, { metadata: { list: [1, Number.NaN] } })))).toBe(
      'metadata.list[1]',
    );
    expect(fieldOf(() => validateEvent(event(1, { metadata: { s: Symbol('x') } as never })))).toBe(
      'metadata.s',
    );
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) {
      deep.next = {};
      deep = deep.next as Record<string, unknown>;
    }
    expect(fieldOf(() => validateEvent(event(1, { metadata: root as never })))).toMatch(
      /^metadata(\.next)+$/,
    );
  });

  test('names the failing value by its whole path, wherever it sits among its siblings', () => {
    const bad = (metadata: Record<string, unknown>) =>
      fieldOf(() => validateEvent(event(1, { metadata: metadata as never })));
    expect(bad({ a: { list: [{ x: 1n }, { y: Number.NaN }] } })).toBe('metadata.a.list[1].y');
    expect(bad({ m: [[1, Number.POSITIVE_INFINITY]] })).toBe('metadata.m[0][1]');
    // The keys of a nested value that passed are not carried over to the next sibling.
    expect(bad({ a: { b: { c: 1 } }, d: Number.NaN })).toBe('metadata.d');
    expect(bad({ l: [1, [2, 3]], when: new Date('nope') })).toBe('metadata.when');
    expect(bad({ '0': { '': () => 1 } })).toBe('metadata.0.');
    expect(bad({ big: 1n, tags: new Map() })).toBe('metadata.tags');
  });

  test('accepts shared (non-circular) references, dates and null-prototype objects', () => {
    const shared = { x: 1 };
    const bare = Object.assign(Object.create(null), { k: 'v' });
    const payload = validateEvent(
      event(1, {
        metadata: { a: shared, b: shared, when: new Date(0), bare, old_value: null, new_value: 'x' },
      }),
    );
    expect(JSON.parse(JSON.stringify(payload.metadata))).toEqual({
      a: { x: 1 },
      b: { x: 1 },
      when: '1970-01-01T00:00:00.000Z',
      bare: { k: 'v' },
      old_value: null,
      new_value: 'x',
    });
  });

  test('normalises timestamps to ISO UTC', () => {
    expect(validateEvent(event(1, { timestamp: '2026-03-01T10:00:00+02:00' })).timestamp).toBe(
      '2026-03-01T08:00:00.000Z',
    );
    expect(validateEvent(event(1, { timestamp: new Date(Date.UTC(2020, 0, 1)) })).timestamp).toBe(
      '2020-01-01T00:00:00.000Z',
    );
    expect(validateEvent(event(1, { timestamp: '2026-03-01' })).timestamp).toBe('2026-03-01T00:00:00.000Z');
  });

  test('a __proto__ key in metadata stays data and pollutes nothing', () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const payload = validateEvent(event(1, { metadata }));
    expect(JSON.stringify(payload.metadata)).toBe('{"__proto__":{"polluted":true},"ok":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
