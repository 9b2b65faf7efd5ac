import { describe, expect, test } from 'vitest';
import { PLANS, type Plan } from '../src/index.js';
import { call, list, logEvent, logMany, start, testClock, usage } from './helpers.js';

describe('GET /v1/usage', () => {
  test.each([
    ['free', 10_000, 14],
    ['starter', 500_000, 365],
    ['growth', 5_000_000, 730],
    ['pro', null, null],
  ] as const)('plan %s: limit %s, retention %s days', async (plan, limit, retention) => {
    const server = await start({ plan });
    expect(await usage(server)).toEqual({
      plan,
      events_this_month: 0,
      events_limit: limit,
      retention_days: retention,
    });
    expect(PLANS[plan as Plan]).toEqual({ events_limit: limit, retention_days: retention });
  });

  test('a new account is on the free plan', async () => {
    const server = await start();
    expect((await usage(server)).plan).toBe('free');
    expect((await usage(server, server.createAccount().apiKey)).plan).toBe('free');
  });

  test('setPlan changes the plan from the next request on', async () => {
    const server = await start();
    await usage(server);
    server.setPlan(server.accountId, 'growth');
    expect(await usage(server)).toMatchObject({ plan: 'growth', events_limit: 5_000_000 });
    expect(() => server.setPlan('acct_unknown', 'pro')).toThrow('Unknown account');
    expect(() => server.setPlan(server.accountId, 'platinum' as Plan)).toThrow('Unknown plan');
  });

  test('counts events received this calendar month in UTC, whatever their timestamp', async () => {
    const clock = testClock('2024-01-31T23:59:59.999Z');
    const server = await start({ now: clock.now });
    await logEvent(server);
    await logEvent(server, { timestamp: '2023-06-01T00:00:00.000Z' });
    expect((await usage(server)).events_this_month).toBe(2);
    clock.set('2024-02-01T00:00:00.000Z');
    expect((await usage(server)).events_this_month).toBe(0);
    await logEvent(server, { timestamp: '2024-01-15T00:00:00.000Z' });
    expect((await usage(server)).events_this_month).toBe(1);
    expect((await list(server)).total).toBe(3);
  });

  test('counts per account', async () => {
    const server = await start();
    const other = server.createAccount();
    await logEvent(server);
    await logEvent(server, {}, { key: other.apiKey });
    await logEvent(server, {}, { key: other.apiKey });
    expect((await usage(server)).events_this_month).toBe(1);
    expect((await usage(server, other.apiKey)).events_this_month).toBe(2);
  });

  test('at the monthly limit POST is 429 and stores nothing; a new month opens again', async () => {
    const clock = testClock('2024-01-10T00:00:00.000Z');
    const server = await start({ now: clock.now });
    const statuses = await logMany(server, 10_000, 32);
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect((await usage(server)).events_this_month).toBe(10_000);

    const refused = await call(server, '/v1/events', {
      method: 'POST',
      body: { actor: { id: 'u' }, action: 'over.limit', resource: { type: 't', id: '1' } },
    });
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ error: 'Monthly event limit reached' });
    expect((await list(server, 'action=over.limit')).total).toBe(0);
    expect((await list(server)).total).toBe(10_000);
    expect((await usage(server)).events_this_month).toBe(10_000);

    // Another account has its own count.
    const other = server.createAccount();
    await logEvent(server, {}, { key: other.apiKey });

    server.setPlan(server.accountId, 'starter');
    expect((await logEvent(server)).action).toBe('invoice.deleted');
    server.setPlan(server.accountId, 'free');

    clock.set('2024-02-01T00:00:00.000Z');
    expect((await logEvent(server)).timestamp).toBe('2024-02-01T00:00:00.000Z');
    expect((await usage(server)).events_this_month).toBe(1);
  });

  test('an idempotent replay is answered even at the limit, and counted once', async () => {
    const server = await start();
    const headers = { 'idempotency-key': 'first' };
    const first = await logEvent(server, {}, { headers });
    expect(await logMany(server, 9_999, 32)).toHaveLength(9_999);
    expect(await logEvent(server, {}, { headers })).toEqual(first);
    expect(
      (await call(server, '/v1/events', { method: 'POST', body: {}, headers: { 'idempotency-key': 'new' } }))
        .status,
    ).toBe(400);
    const fresh = await call(server, '/v1/events', {
      method: 'POST',
      body: { actor: { id: 'u' }, action: 'a', resource: { type: 't', id: '1' } },
      headers: { 'idempotency-key': 'new' },
    });
    expect(fresh.status).toBe(429);
    expect((await usage(server)).events_this_month).toBe(10_000);
  });
});
