import { describe, expect, test } from 'vitest';
import type { LocalServer, Plan } from '../src/index.js';
import { list, logEvent, start, testClock, usage } from './helpers.js';

const NOW = '2024-06-30T12:00:00.000Z';
const daysBefore = (days: number, extraMs = 0) =>
  new Date(Date.parse(NOW) - days * 86_400_000 - extraMs).toISOString();

async function seedAges(server: LocalServer, key = server.apiKey): Promise<void> {
  for (const [days, extra] of [
    [0, 0],
    [14, 0],
    [14, 1],
    [365, 0],
    [365, 1],
    [730, 1],
    [5000, 0],
  ] as const) {
    await logEvent(server, { timestamp: daysBefore(days, extra), action: `age.${days}.${extra}` }, { key });
  }
}

describe('retention sweep', () => {
  test.each([
    ['free', ['age.0.0', 'age.14.0']],
    ['starter', ['age.0.0', 'age.14.0', 'age.14.1', 'age.365.0']],
    ['growth', ['age.0.0', 'age.14.0', 'age.14.1', 'age.365.0', 'age.365.1']],
    ['pro', ['age.0.0', 'age.14.0', 'age.14.1', 'age.365.0', 'age.365.1', 'age.730.1', 'age.5000.0']],
  ] as const)('%s keeps events no older than its retention', async (plan, kept) => {
    const server = await start({ plan });
    await seedAges(server);
    const deleted = server.sweepRetention(new Date(NOW));
    const events = (await list(server)).events.map((e) => e.action);
    expect(events).toEqual(kept);
    expect(deleted).toBe(7 - kept.length);
  });

  test('each account is swept by its own plan, and monthly usage is not reduced', async () => {
    const server = await start({ plan: 'pro' });
    const free = server.createAccount({ plan: 'free' as Plan });
    await seedAges(server);
    await seedAges(server, free.apiKey);
    expect(server.sweepRetention(new Date(NOW))).toBe(5);
    expect((await list(server)).total).toBe(7);
    expect((await list(server, '', free.apiKey)).total).toBe(2);
    expect((await usage(server, free.apiKey)).events_this_month).toBe(7);
  });

  test("sweepRetention defaults to the server's clock and is idempotent", async () => {
    const clock = testClock('2024-01-01T00:00:00.000Z');
    const server = await start({ now: clock.now });
    await logEvent(server, { timestamp: '2023-12-31T00:00:00.000Z' });
    expect(server.sweepRetention()).toBe(0);
    clock.set('2024-01-15T00:00:00.001Z');
    expect(server.sweepRetention()).toBe(1);
    expect(server.sweepRetention()).toBe(0);
    expect((await list(server)).total).toBe(0);
  });
});
