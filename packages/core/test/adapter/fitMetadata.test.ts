import { expect, test } from 'vitest';
import { fitMetadata } from '../../src/adapter/fitMetadata.js';

const base = { actor: { id: 'u_1' }, action: 'invoice.deleted', resource: { type: 'invoice', id: 'i_1' } };
const size = (e: unknown) =>
  Buffer.byteLength(JSON.stringify({ ...(e as object), timestamp: '2000-01-01T00:00:00.000Z' }));

test('cuts the largest values first and keeps the small ones, marked', () => {
  const event = { ...base, metadata: { big: 'b'.repeat(5000), medium: 'm'.repeat(900), small: 's' } };
  const fitted = fitMetadata(event, 1500)!;
  expect(fitted.metadata).toEqual({
    big: '[Truncated]',
    medium: 'm'.repeat(900),
    small: 's',
    metadata_truncated: true,
  });
  expect(size(fitted)).toBeLessThanOrEqual(1500);
  expect(event.metadata.big).toHaveLength(5000);
});

test('then drops keys until it fits; undefined when even empty metadata does not fit', () => {
  const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key_${i}`, 'v'.repeat(20)]));
  const fitted = fitMetadata({ ...base, metadata: many }, 2000)!;
  expect(size(fitted)).toBeLessThanOrEqual(2000);
  expect(fitted.metadata!.metadata_truncated).toBe(true);
  expect(Object.keys(fitted.metadata!).length).toBeGreaterThan(10);
  expect(fitMetadata({ ...base, metadata: many }, 100)).toBeUndefined();
});

test('values JSON cannot hold are cut (bigints kept as strings), cycles too', () => {
  const cyclic: Record<string, unknown> = { ok: 1 };
  cyclic.self = cyclic;
  const fitted = fitMetadata(
    {
      ...base,
      metadata: {
        n: 5n,
        nan: Number.NaN,
        map: new Map(),
        f: () => 1,
        list: [1, Number.POSITIVE_INFINITY],
        cyclic,
      },
    },
    10_000,
  )!;
  expect(JSON.parse(JSON.stringify(fitted.metadata))).toEqual({
    n: '5',
    list: [1, null],
    cyclic: { ok: 1 },
    metadata_truncated: true,
  });
});
