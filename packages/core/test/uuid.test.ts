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
