// The fault matrix, pauses: answers that mean "sending more is pointless" (429 quota, 401
// revoked key). The client must stop sending (one probe per interval), keep every event up to
// its cap, and deliver all of them once the quota resets or a new key is set.
import { afterEach, describe, expect, test } from 'vitest';
import { API_KEY, type AppProcess, fastClient, ids, startApp } from './support/appProcess.js';
import { expectAnswered, expectHealthy, expectTrail, untilStats } from './support/checks.js';
import { type FaultApi, startFaultApi } from './support/faultApi.js';

let app: AppProcess | undefined;
let api: FaultApi | undefined;

afterEach(async () => {
  await app?.dispose();
  await api?.close();
  app = undefined;
  api = undefined;
});

const deletes = (tag: string, n: number) => ids(tag, n).map((id) => `/invoices/${id}`);
const interval = 150;
const concurrency = fastClient.concurrency!;

/** Requests the API saw while paused, measured against the most a breaker may send in that time. */
function probeBudget(pausedMs: number): number {
  // The requests already in flight when the first refusal came back, then one per interval.
  return concurrency + Math.ceil(pausedMs / interval) + 1;
}

describe('pauses: sending stops, nothing is dropped below the cap, delivery resumes', () => {
  test('429 monthly quota: probes only, queue_full only at the cap, resumes when the quota resets', async () => {
    const maxQueueSize = 100;
    api = await startFaultApi();
    let quota = false;
    let refused = 0;
    api.script(() => {
      if (!quota) return undefined;
      refused++;
      // Slow refusals: new events keep arriving while a probe is out, as on a busy app.
      return { status: 429, body: JSON.stringify({ error: 'Monthly event limit reached' }), delay: 250 };
    });
    app = await startApp({
      baseUrl: api.url,
      client: { maxQueueSize, quotaRetryInterval: interval, maxQueueBytes: 4 * 1024 * 1024 },
    });

    const before = await app.traffic('DELETE', deletes('before', 30));
    await app.flush();

    quota = true;
    const pausedAt = Date.now();
    // Below the cap: everything kept.
    const under = await app.traffic('DELETE', deletes('under', 60));
    const paused = await untilStats(app, (s) => s.stats.state === 'quota_exceeded', 'the quota breaker');
    await api.waitFor(() => refused >= 3);
    const held = await app.stats();
    expect(held.stats.dropped.total).toBe(0);
    expect(held.stats.delivered).toBe(30);
    expect(held.stats.queued + held.stats.inFlight).toBe(60);
    expect(paused.errorCodes.filter((c) => c === 'AL_ERR_QUOTA_EXCEEDED')).toHaveLength(1);

    // Over the cap, while a probe is out: the excess is dropped as queue_full, only when the
    // queue is full, and the refused probe coming back must not push the queue past its cap.
    await api.waitFor(() => api!.inFlight > 0);
    const over = await app.traffic('DELETE', deletes('over', 80));
    await api.waitFor(() => api!.inFlight === 0);
    const full = await app.stats();
    expect(full.stats.dropped.queue_full).toBeGreaterThan(0);
    expect(full.stats.dropped.total).toBe(full.stats.dropped.queue_full);
    expect(full.drops.filter((d) => d.reason !== 'queue_full' || d.heldAtDrop < maxQueueSize)).toEqual([]);
    // The cap holds even when a refused probe comes back to a queue that filled meanwhile.
    expect(full.maxQueued).toBeLessThanOrEqual(maxQueueSize);
    const pausedMs = Date.now() - pausedAt;
    expect(refused).toBeLessThanOrEqual(probeBudget(pausedMs));

    quota = false;
    const after = await app.traffic('DELETE', deletes('after', 30));
    const snap = await app.flush();

    expectAnswered([...before, ...under, ...over, ...after]);
    const dropped = new Set(snap.drops.map((d) => d.resourceId));
    expect(dropped.size).toBe(snap.stats.dropped.queue_full);
    expect(snap.stats.delivered).toBe(200 - dropped.size);
    expect(snap.stats.state).toBe('running');
    expectHealthy(snap, { maxQueueSize, maxQueueBytes: 4 * 1024 * 1024 }, [API_KEY]);
    const all = [...ids('before', 30), ...ids('under', 60), ...ids('over', 80), ...ids('after', 30)];
    expectTrail(
      api,
      all.filter((id) => !dropped.has(id)),
    );
  });

  test('401 after key revocation: pause, then setApiKey() delivers everything queued', async () => {
    const newKey = 'al_live_rotated_fedcba9876543210';
    api = await startFaultApi();
    let revoked = false;
    let refused = 0;
    api.script((req) => {
      if (
        req.authorization === `Bearer ${newKey}` ||
        (!revoked && req.authorization === `Bearer ${API_KEY}`)
      ) {
        return undefined;
      }
      refused++;
      return { status: 401, body: JSON.stringify({ error: 'Invalid API key' }) };
    });
    app = await startApp({ baseUrl: api.url, client: { authRetryInterval: interval } });

    const before = await app.traffic('DELETE', deletes('before', 30));
    await app.flush();

    revoked = true;
    const pausedAt = Date.now();
    const during = await app.traffic('DELETE', deletes('revoked', 150));
    await untilStats(app, (s) => s.stats.state === 'unauthorized', 'the 401 pause');
    await api.waitFor(() => refused >= 3);
    const held = await app.stats();
    expect(held.stats.dropped.total).toBe(0);
    expect(held.stats.delivered).toBe(30);
    expect(held.stats.queued + held.stats.inFlight).toBe(150);
    expect(refused).toBeLessThanOrEqual(probeBudget(Date.now() - pausedAt));
    expect(held.errorCodes).toContain('AL_ERR_UNAUTHORIZED');

    await app.setApiKey(newKey);
    const after = await app.traffic('DELETE', deletes('after', 30));
    const snap = await app.flush();

    expectAnswered([...before, ...during, ...after]);
    expect(snap.stats.delivered).toBe(210);
    expect(snap.stats.dropped.total).toBe(0);
    expect(snap.stats.state).toBe('running');
    expectHealthy(
      snap,
      { maxQueueSize: fastClient.maxQueueSize!, maxQueueBytes: fastClient.maxQueueBytes! },
      [API_KEY, newKey],
    );
    expectTrail(api, [...ids('before', 30), ...ids('revoked', 150), ...ids('after', 30)]);
  });
});
