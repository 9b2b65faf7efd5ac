// The fault matrix through each framework: the same audited app as a bare node:http server on
// the core client, and as Express, Koa and Fastify apps with their adapters (events derived
// from the route templates). The API dies mid-flight and comes back; a poison event is retried
// to exhaustion while the rest of the traffic gets through.
import { afterEach, describe, expect, test } from 'vitest';
import { API_KEY, type AppProcess, fastClient, frameworks, ids, startApp } from './support/appProcess.js';
import { expectAnswered, expectHealthy, expectTrail, resentKeys, untilStats } from './support/checks.js';
import { type FaultApi, startFaultApi } from './support/faultApi.js';

const caps = { maxQueueSize: fastClient.maxQueueSize!, maxQueueBytes: fastClient.maxQueueBytes! };
let app: AppProcess | undefined;
let api: FaultApi | undefined;

afterEach(async () => {
  await app?.dispose();
  await api?.close();
  app = undefined;
  api = undefined;
});

const deletes = (tag: string, n: number) => ids(tag, n).map((id) => `/invoices/${id}`);

describe('transient faults through each framework', () => {
  test.each(frameworks)(
    'API dies mid-flight (connections cut after it stored events) and comes back: %s app',
    async (framework) => {
      api = await startFaultApi();
      // Every event is stored on arrival and answered 20 ms later, so some are always in flight.
      api.script(() => ({ commitAfter: 20 }));
      app = await startApp({ baseUrl: api.url, framework });

      const first = app.traffic('DELETE', deletes('mid', 300), 2);
      await api.waitFor(() => api!.stored.size >= 40 && api!.inFlight >= 2);
      await api.stop();
      await untilStats(app, (s) => s.stats.retries >= 3, 'failed attempts while dead');
      await api.start();
      const responses = await first;
      const snap = await app.flush();

      expectAnswered(responses);
      expect(snap.stats.delivered).toBe(300);
      expect(snap.stats.dropped.total).toBe(0);
      expectHealthy(snap, caps, [API_KEY]);
      // Events the API stored but never acknowledged were sent again with the same key...
      expect(resentKeys(api).length).toBeGreaterThan(0);
      // ...and are in the trail once.
      expectTrail(api, ids('mid', 300));
    },
  );

  test.each(frameworks)(
    'an event the API always fails is dropped as retries_exhausted; the others get through: %s app',
    async (framework) => {
      api = await startFaultApi();
      api.script((req) => (req.body?.metadata?.poison ? { status: 500 } : undefined));
      app = await startApp({ baseUrl: api.url, client: { maxRetries: 3 }, framework });

      const responses = [
        ...(await app.traffic('DELETE', deletes('ok', 100))),
        ...(await app.traffic(
          'POST',
          ids('poison', 3).map((id) => `/poison/${id}`),
        )),
        ...(await app.traffic('DELETE', deletes('ok2', 100))),
      ];
      const snap = await app.flush();

      expectAnswered(responses);
      expect(snap.stats.delivered).toBe(200);
      expect(snap.stats.dropped).toMatchObject({ retries_exhausted: 3, total: 3 });
      expect(snap.drops.map((d) => d.reason)).toEqual([
        'retries_exhausted',
        'retries_exhausted',
        'retries_exhausted',
      ]);
      // maxRetries 3: one attempt and three retries per poison event.
      expect(api.received.filter((r) => r.body?.metadata?.poison).length).toBe(12);
      expectHealthy(snap, caps, [API_KEY]);
      expectTrail(api, [...ids('ok', 100), ...ids('ok2', 100)]);
    },
  );
});
