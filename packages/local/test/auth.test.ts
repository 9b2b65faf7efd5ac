import { describe, expect, test } from 'vitest';
import { call, list, logEvent, start } from './helpers.js';

describe('authentication', () => {
  test('a missing Authorization header is 401 "Missing or invalid authorization header"', async () => {
    const server = await start();
    const reply = await call(server, '/v1/events', { key: null });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ error: 'Missing or invalid authorization header' });
  });

  test.each([
    ['a Basic scheme', 'Basic dXNlcjpwYXNz'],
    ['Bearer without a token', 'Bearer'],
    ['Bearer with an empty token', 'Bearer '],
    ['two tokens', 'Bearer al_one al_two'],
    ['the key without a scheme', 'al_somethingsomething'],
  ])('%s is 401 "Missing or invalid authorization header"', async (_name, header) => {
    const server = await start();
    const reply = await call(server, '/v1/usage', { key: null, headers: { authorization: header } });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ error: 'Missing or invalid authorization header' });
  });

  test.each([
    ['an unknown al_ key', 'al_unknownunknownunknown'],
    ['a key without the al_ prefix', 'sk_live_123456789'],
  ])('%s is 401 "Invalid API key"', async (_name, key) => {
    const server = await start();
    const reply = await call(server, '/v1/events', { method: 'POST', key, body: {} });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ error: 'Invalid API key' });
  });

  test('the scheme is case-insensitive', async () => {
    const server = await start();
    const reply = await call(server, '/v1/usage', {
      key: null,
      headers: { authorization: `bearer ${server.apiKey}` },
    });
    expect(reply.status).toBe(200);
  });

  test('a revoked key fails on the very next request, and other keys keep working', async () => {
    const server = await start();
    const second = server.createApiKey();
    await logEvent(server); // the key is now in the server's cache
    expect(server.revokeApiKey(server.apiKey)).toBe(true);
    const reply = await call(server, '/v1/events', { method: 'POST', body: {} });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ error: 'Invalid API key' });
    expect((await list(server, '', second)).total).toBe(1);
    expect(server.revokeApiKey(server.apiKey)).toBe(false);
    expect(server.revokeApiKey('al_neverexistedatall')).toBe(false);
  });

  test('a key made by createApiKey writes to the same account under its own api_key_id', async () => {
    const server = await start();
    const first = await logEvent(server);
    const key = server.createApiKey({ accountId: server.accountId });
    expect(key).toMatch(/^al_[A-Za-z0-9_-]{32}$/);
    const second = await logEvent(server, {}, { key });
    expect(second.api_key_id).not.toBe(first.api_key_id);
    expect((await list(server)).total).toBe(2);
  });

  test('createApiKey rejects an unknown account', async () => {
    const server = await start();
    expect(() => server.createApiKey({ accountId: 'acct_nope' })).toThrow('Unknown account: acct_nope');
  });

  test('a fixed apiKey option is registered and used', async () => {
    const server = await start({ apiKey: 'al_fixed_test_key_123' });
    expect(server.apiKey).toBe('al_fixed_test_key_123');
    expect((await call(server, '/v1/usage')).status).toBe(200);
  });

  test('a malformed apiKey option is refused at start', async () => {
    await expect(start({ apiKey: 'not_a_key' })).rejects.toThrow(/apiKey must be "al_"/);
  });
});
