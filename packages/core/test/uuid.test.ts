import { expect, test } from 'vitest';
import { uuidv7 } from '../src/uuid.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('uuidv7 ids are well-formed, unique and increasing', () => {
  const ids = Array.from({ length: 5000 }, () => uuidv7());
  for (const id of ids) expect(id).toMatch(V7);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);
});

test('uuidv7 carries the current time in its first 48 bits', () => {
  const before = Date.now();
  const id = uuidv7();
  const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  expect(ms).toBeGreaterThanOrEqual(before);
  expect(ms).toBeLessThanOrEqual(Date.now() + 5);
});

test('uuidv7 takes the clock reading it is given, and stays increasing when the clock steps back', () => {
  const msOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  const later = Date.now() + 60_000;
  const a = uuidv7(later);
  expect(msOf(a)).toBe(later);
  const b = uuidv7(later + 1);
  expect(msOf(b)).toBe(later + 1);
  // A reading behind the last one keeps the last millisecond and counts on.
  const c = uuidv7(later - 5_000);
  expect(msOf(c)).toBe(later + 1);
  expect([a, b, c].sort()).toEqual([a, b, c]);
  for (const id of [a, b, c]) expect(id).toMatch(V7);
});

test('uuidv7 borrows the next millisecond when its counter wraps, and says so in the id', () => {
  const msOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  const start = Date.now() + 120_000;
  const ids = Array.from({ length: 4097 }, () => uuidv7(start));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);
  expect(msOf(ids[0]!)).toBe(start);
  expect(msOf(ids[ids.length - 1]!)).toBeGreaterThan(start);
  for (const id of ids) expect(msOf(id)).toBeLessThanOrEqual(start + 1);
});
