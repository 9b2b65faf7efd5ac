import { describe, expect, test } from 'vitest';
import { isPlural, singularize, toSnakeCase } from '../../src/adapter/inflect.js';

describe('singularize', () => {
  test.each([
    ['invoices', 'invoice'],
    ['companies', 'company'],
    ['addresses', 'address'],
    ['statuses', 'status'],
    ['api-keys', 'api_key'],
    ['apiKeys', 'api_key'],
    ['line_items', 'line_item'],
    ['boxes', 'box'],
    ['batches', 'batch'],
    ['wishes', 'wish'],
    ['people', 'person'],
    ['children', 'child'],
    ['analyses', 'analysis'],
    ['warehouses', 'warehouse'],
    ['businesses', 'business'],
    ['responses', 'response'],
    ['caches', 'cache'],
    ['users', 'user'],
  ])('%s -> %s', (plural, singular) => {
    expect(singularize(plural)).toBe(singular);
  });

  test.each(['status', 'address', 'invoice', 'data', 'media', 'analysis', 'campus', 'send'])(
    '%s stays as it is',
    (word) => {
      expect(singularize(word)).toBe(word);
    },
  );
});

test('toSnakeCase turns kebab-case and camelCase into snake_case', () => {
  expect(toSnakeCase('api-keys')).toBe('api_keys');
  expect(toSnakeCase('apiKeys')).toBe('api_keys');
  expect(toSnakeCase('mark-as-paid')).toBe('mark_as_paid');
});

test('isPlural tells collections from verbs', () => {
  expect(isPlural('lines')).toBe(true);
  expect(isPlural('api-keys')).toBe(true);
  expect(isPlural('send')).toBe(false);
  expect(isPlural('status')).toBe(false);
});
