import { expect, test } from 'vitest';
import { createRedactor, mergeMetadata, REDACTED } from '../../src/adapter/redact.js';

test('default keys are redacted case-insensitively at any depth, in arrays too', () => {
  const redact = createRedactor(undefined);
  const input = {
    Password: 'p',
    nested: { deeper: { ACCESS_TOKEN: 'a', keep: 1 }, list: [{ 'Set-Cookie': 'c' }, { cookie: 'd' }] },
    authorization: { anything: 'even objects' },
    note: 'password is a word, not a key',
  };
  expect(redact(input)).toEqual({
    Password: REDACTED,
    nested: {
      deeper: { ACCESS_TOKEN: REDACTED, keep: 1 },
      list: [{ 'Set-Cookie': REDACTED }, { cookie: REDACTED }],
    },
    authorization: REDACTED,
    note: 'password is a word, not a key',
  });
  // The caller's objects are not modified.
  expect(input.Password).toBe('p');
  expect(input.nested.deeper.ACCESS_TOKEN).toBe('a');
});

test('every key the defaults used to list is still redacted (the list is now of words)', () => {
  const redact = createRedactor(undefined);
  for (const key of [
    'password',
    'passwd',
    'secret',
    'token',
    'access_token',
    'refresh_token',
    'authorization',
    'cookie',
    'set-cookie',
    'api_key',
    'apikey',
    'x-api-key',
    'private_key',
    'client_secret',
    'session',
  ]) {
    expect(redact({ [key.toUpperCase()]: 'v' })).toEqual({ [key.toUpperCase()]: REDACTED });
  }
});

test('spelling does not matter: camelCase, PascalCase, kebab-case, snake_case, UPPER', () => {
  const redact = createRedactor(['creditCard']);
  const input = {
    accessToken: 1,
    AccessToken: 2,
    'access-token': 3,
    ACCESS_TOKEN: 4,
    setCookie: 5,
    xApiKey: 6,
    X_API_KEY: 7,
    clientSecret: 8,
    credit_card: 9,
    tokens: 10,
    author: 'kept',
  };
  const out = redact(input);
  expect(Object.entries(out).filter(([, v]) => v !== REDACTED)).toEqual([['author', 'kept']]);
});

test('extra keys add to the defaults; false turns redaction off', () => {
  expect(createRedactor(['SSN'])({ ssn: '1', password: 'p', name: 'n' })).toEqual({
    ssn: REDACTED,
    password: REDACTED,
    name: 'n',
  });
  expect(createRedactor(false)({ password: 'p' })).toEqual({ password: 'p' });
});

test('cycles and depth are bounded', () => {
  const a: Record<string, unknown> = { name: 'a' };
  a.self = a;
  const shared = { x: 1 };
  expect(createRedactor(undefined)({ a, left: shared, right: shared })).toEqual({
    a: { name: 'a', self: '[Circular]' },
    left: { x: 1 },
    right: { x: 1 },
  });
  let deep: Record<string, unknown> = { end: true };
  for (let i = 0; i < 40; i++) deep = { d: deep };
  expect(JSON.stringify(createRedactor(undefined)(deep))).toContain('[Truncated]');
});

test('a __proto__ key cannot pollute a prototype, in merges or in redaction', () => {
  const hostile = JSON.parse(
    '{"__proto__": {"polluted": true}, "ok": 1, "nested": {"__proto__": {"polluted": true}}}',
  );
  const merged = mergeMetadata({}, hostile);
  expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  expect(merged).toEqual({ ok: 1, nested: hostile.nested });
  const redacted = createRedactor(undefined)(merged) as { nested: object };
  expect(Object.getPrototypeOf(redacted.nested)).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(redacted.nested)).toEqual([]);
});

test('mergeMetadata skips undefined values and non-objects', () => {
  expect(mergeMetadata({ a: 1 }, { a: undefined, b: 2 })).toEqual({ a: 1, b: 2 });
  expect(mergeMetadata({ a: 1 }, null)).toEqual({ a: 1 });
  expect(mergeMetadata({ a: 1 }, ['x'])).toEqual({ a: 1 });
});

test('owned(): the top level of an object the caller built is redacted in place, nested app objects are copied', () => {
  const redact = createRedactor(['iban']);
  const appObject = { IBAN: 'DE00', holder: 'Ann', list: [{ token: 't' }] };
  const built: Record<string, unknown> = { ip: '127.0.0.1', apiKey: 'k', account: appObject, status: 204 };
  expect(redact.owned(built)).toBe(built);
  expect(built).toEqual({
    ip: '127.0.0.1',
    apiKey: REDACTED,
    account: { IBAN: REDACTED, holder: 'Ann', list: [{ token: REDACTED }] },
    status: 204,
  });
  expect(appObject).toEqual({ IBAN: 'DE00', holder: 'Ann', list: [{ token: 't' }] });
  const change: Record<string, unknown> = { field: 'password', old_value: 'a', new_value: 'b' };
  expect(redact.owned(change)).toEqual({ field: 'password', old_value: REDACTED, new_value: REDACTED });
  const off: Record<string, unknown> = { password: 'p' };
  expect(createRedactor(false).owned(off)).toEqual({ password: 'p' });
});
