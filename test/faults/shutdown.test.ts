// SIGTERM to a real app process (one per framework) with thousands of events queued, running
// the documented wiring: stop taking requests, then `await client.shutdown({ timeout })`, then
// exit. With the API up everything is delivered before exit. SIGKILL loses what was in memory.
import { afterEach, describe, expect, test } from 'vitest';
import { type AppProcess, frameworks, startApp } from './support/appProcess.js';
import { expectTrail } from './support/checks.js';
import { type FaultApi, startFaultApi } from './support/faultApi.js';
import { bulkIds, bulkClient as client, N, queueThenTerm } from './support/signals.js';

let app: AppProcess | undefined;
let api: FaultApi | undefined;

afterEach(async () => {
  await app?.dispose();
  await api?.close();
  app = undefined;
  api = undefined;
});

describe.each(frameworks)('SIGTERM with thousands of events queued, API up: %s app', (framework) => {
  test('API up: every event is delivered before the process exits', async () => {
    api = await startFaultApi();
    // A slow API (1 ms per event, 8 at a time), so most of the events are still queued at the signal.
    api.script(() => ({ commitAfter: 1 }));
    app = await startApp({ baseUrl: api.url, client, shutdownTimeout: 15_000, framework });

    const { signal, report, exit } = await queueThenTerm(app, 15_000);

    expect(signal.stats.queued + signal.stats.inFlight).toBeGreaterThanOrEqual(N / 2);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(report).toMatchObject({ delivered: N, dropped: 0, pending: 0 });
    expectTrail(api, bulkIds);
  });
});

describe('SIGKILL', () => {
  test('loses exactly what was in memory (queued + in flight), nothing the API had stored', async () => {
    api = await startFaultApi();
    const answered = 500;
    api.script((req) => (req.n <= answered ? undefined : 'stall'));
    app = await startApp({ baseUrl: api.url, client: { ...client, timeout: 60_000 } });

    const [res] = await app.traffic('POST', [`/bulk/${N}`], 1);
    expect(res?.status).toBe(200);
    await api.waitFor(() => api!.stored.size === answered && api!.inFlight > 0);
    // A delivery worker reports to the app's counters a turn after the API answered it.
    let before = await app.stats();
    while (before.stats.delivered < answered) before = await app.stats();
    app.child.kill('SIGKILL');
    const exit = await app.exited;

    expect(exit.signal).toBe('SIGKILL');
    expect(before.stats.delivered).toBe(answered);
    const inMemory = before.stats.queued + before.stats.inFlight;
    expect(inMemory).toBe(N - answered);
    // Lost: every event that was queued or in flight. Bounded by maxQueueSize + concurrency.
    expect(api.stored.size).toBe(N - inMemory);
    expect(inMemory).toBeLessThanOrEqual(client.maxQueueSize + 8);
  });
});
