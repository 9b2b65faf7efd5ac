// SIGTERM and SIGKILL to a real app process with thousands of events queued. SIGTERM runs the
// documented wiring (server.close(), then `await client.shutdown({ timeout })`, then exit):
// with the API up everything is delivered before exit; with it down the report lists every
// event and the process still exits within its timeout. SIGKILL loses what was in memory.
import { afterEach, describe, expect, test } from 'vitest';
import { type AppProcess, frameworks, startApp } from './support/appProcess.js';
import { expectTrail } from './support/checks.js';
import { type FaultApi, freePort, startFaultApi } from './support/faultApi.js';

let app: AppProcess | undefined;
let api: FaultApi | undefined;

afterEach(async () => {
  await app?.dispose();
  await api?.close();
  app = undefined;
  api = undefined;
});

const N = 3_000;
const bulkIds = Array.from({ length: N }, (_, i) => `bulk_${i}`);
const client = { maxQueueSize: 5_000, maxQueueBytes: 8 * 1024 * 1024, maxRetries: 1_000 };

/** Queues N events in one request, then sends SIGTERM at once; a process that hangs fails. */
async function queueThenTerm(target: AppProcess, exitWithinMs: number) {
  const [res] = await target.traffic('POST', [`/bulk/${N}`], 1);
  expect(res?.status).toBe(200);
  target.child.kill('SIGTERM');
  const signal = await target.message('signal');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the process did not exit within ${exitWithinMs} ms of SIGTERM`)),
      exitWithinMs,
    );
  });
  try {
    const report = await Promise.race([target.message('shutdown'), hung]);
    const exit = await Promise.race([target.exited, hung]);
    return { signal, report, exit };
  } finally {
    clearTimeout(timer);
  }
}

describe.each(frameworks)('SIGTERM with thousands of events queued: %s app', (framework) => {
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

  test.each([
    ['refuses connections', 'refused'],
    ['accepts connections but never answers', 'stall'],
  ] as const)(
    'API down (%s): the report lists every event and the process exits within its timeout',
    async (_name, mode) => {
      const shutdownTimeout = 600;
      if (mode === 'refused') {
        const port = await freePort();
        api = await startFaultApi({ port, listen: false });
      } else {
        api = await startFaultApi();
        api.script(() => 'stall');
      }
      app = await startApp({
        baseUrl: api.url,
        client: { ...client, timeout: 5_000 },
        shutdownTimeout,
        framework,
      });

      // Generous slack over the timeout for a busy 2-core machine; a hang fails.
      const { signal, report, exit } = await queueThenTerm(app, shutdownTimeout + 4_000);

      expect(signal.stats.accepted).toBe(N);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(report.delivered).toBe(0);
      expect(report.dropped).toBe(0);
      expect(report.pending).toBe(N);
      expect(new Set(report.undeliveredIds).size).toBe(N);
      expect([...report.undeliveredResourceIds].sort()).toEqual([...bulkIds].sort());
      expect(report.stats.dropped).toMatchObject({ shutdown: N, total: N });
      // Generous slack over the timeout for the event loop of a busy 2-core machine; a hang fails.
      expect(report.elapsedMs).toBeLessThan(shutdownTimeout + 1_500);
      expect(api.stored.size).toBe(0);
    },
  );
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
    const before = await app.stats();
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
