// SIGTERM to a real app process (one per framework) with thousands of events queued and the
// audit API down: the shutdown report lists every event and the process still exits within
// its timeout.
import { afterEach, describe, expect, test } from 'vitest';
import { type AppProcess, frameworks, startApp } from './support/appProcess.js';
import { type FaultApi, freePort, startFaultApi } from './support/faultApi.js';
import { bulkIds, bulkClient as client, N, queueThenTerm } from './support/signals.js';

let app: AppProcess | undefined;
let api: FaultApi | undefined;

afterEach(async () => {
  await app?.dispose();
  await api?.close();
  app = undefined;
  api = undefined;
});

describe.each(frameworks)('SIGTERM with thousands of events queued, API down: %s app', (framework) => {
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
      expect(report.dropped).toBe(N); // one vocabulary: dropped.total, the shutdown leftovers included
      expect(report.pending).toBe(N);
      expect(new Set(report.undeliveredIds).size).toBe(N);
      expect([...report.undeliveredResourceIds].sort()).toEqual([...bulkIds].sort());
      expect(report.stats.dropped).toMatchObject({ shutdown: N, total: N });
      // No wall-clock bound here (a loaded machine stretches any): a shutdown that hangs is caught by
      // queueThenTerm's deadline above, and the timeout is honoured if every event is reported pending.
      expect(api.stored.size).toBe(0);
    },
  );
});
