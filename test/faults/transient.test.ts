// The fault matrix, transient half: an audited app in its own process under steady traffic,
// an audit API on loopback that fails in one way and then recovers. After recovery every
// request was answered, every event is in the trail exactly once or dropped for the expected
// reason, and memory stayed bounded. The same cases through each adapter: frameworks.test.ts.
import { afterEach, describe, expect, test } from 'vitest';
import { API_KEY, type AppProcess, fastClient, ids, startApp } from './support/appProcess.js';
import { expectAnswered, expectHealthy, expectTrail, resentKeys, untilStats } from './support/checks.js';
import { type FaultApi, freePort, startFaultApi } from './support/faultApi.js';

const concurrency = fastClient.concurrency!;
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

describe('transient faults: nothing lost, nothing duplicated', () => {
  test('API down at start (connection refused), up later', async () => {
    const port = await freePort();
    api = await startFaultApi({ port, listen: false });
    app = await startApp({ baseUrl: api.url });

    const during = await app.traffic('DELETE', deletes('down', 150));
    const down = await untilStats(app, (s) => s.stats.retries >= 3, 'failed attempts while down');
    expect(down.stats.delivered).toBe(0);
    expect(down.errorCodes).toContain('AL_ERR_NETWORK');

    await api.start();
    const after = await app.traffic('DELETE', deletes('up', 150));
    const snap = await app.flush();

    expectAnswered([...during, ...after]);
    expect(snap.stats.delivered).toBe(300);
    expect(snap.stats.dropped.total).toBe(0);
    expectHealthy(snap, caps, [API_KEY]);
    expectTrail(api, [...ids('down', 150), ...ids('up', 150)]);
  });

  // HTTP dates have 1 s precision: 5 s ahead is always more than the 40 ms cap.
  const retryAfterDate = (): string => new Date(Date.now() + 5_000).toUTCString();
  const bursts: [string, number, (() => string) | undefined][] = [
    ['500 without Retry-After', 500, undefined],
    ['503 with Retry-After in seconds', 503, () => '1'],
    ['503 with Retry-After as an HTTP date', 503, retryAfterDate],
  ];
  test.each(bursts)('a burst of %s', async (_name, status, retryAfter) => {
    api = await startFaultApi();
    // Requests 30..59 fail: a burst of 30 consecutive errors in the middle of the traffic.
    api.script((req) =>
      req.n > 30 && req.n <= 60
        ? { status, headers: retryAfter ? { 'retry-after': retryAfter() } : undefined }
        : undefined,
    );
    app = await startApp({ baseUrl: api.url });

    const responses = await app.traffic('DELETE', deletes('burst', 300));
    const snap = await app.flush();

    expectAnswered(responses);
    expect(snap.stats.delivered).toBe(300);
    expect(snap.stats.dropped.total).toBe(0);
    expect(snap.stats.retries).toBe(30);
    expect(snap.errorCodes).toContain('AL_ERR_SERVER');
    if (retryAfter) {
      // Past the first wave (requests already in flight), the pipeline waits the Retry-After,
      // capped by maxRetryDelay (40 ms), before each probe: no jitter, no early retry.
      const probes = api.received.filter((r) => r.n > 30 + concurrency && r.n <= 61);
      const gaps = probes.slice(1).map((r, i) => r.at - probes[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(35);
    }
    expectHealthy(snap, caps, [API_KEY]);
    expectTrail(api, ids('burst', 300));
  });

  test('requests that stall past the timeout (some after the API stored them)', async () => {
    api = await startFaultApi();
    // One round of stalls, as wide as the client's concurrency: half were stored first.
    api.script((req) => (req.n > 30 && req.n <= 38 ? (req.n % 2 ? 'commit-stall' : 'stall') : undefined));
    app = await startApp({ baseUrl: api.url });

    const responses = await app.traffic('DELETE', deletes('stall', 200));
    const snap = await app.flush();

    expectAnswered(responses);
    expect(snap.stats.delivered).toBe(200);
    expect(snap.stats.dropped.total).toBe(0);
    expect(snap.stats.retries).toBeGreaterThanOrEqual(8);
    expect(snap.errorCodes).toContain('AL_ERR_TIMEOUT');
    expect(resentKeys(api).length).toBeGreaterThanOrEqual(8);
    expectHealthy(snap, caps, [API_KEY]);
    expectTrail(api, ids('stall', 200));
  });

  test('connections reset before and in the middle of a response', async () => {
    api = await startFaultApi();
    api.script((req) => (req.n > 30 && req.n <= 50 ? (req.n % 2 ? 'commit-reset' : 'reset') : undefined));
    app = await startApp({ baseUrl: api.url });

    const responses = await app.traffic('DELETE', deletes('reset', 300));
    const snap = await app.flush();

    expectAnswered(responses);
    expect(snap.stats.delivered).toBe(300);
    expect(snap.stats.dropped.total).toBe(0);
    expect(snap.stats.retries).toBe(20);
    expect(api.received.length).toBe(320);
    expect(resentKeys(api).length).toBeGreaterThan(0);
    expectHealthy(snap, caps, [API_KEY]);
    expectTrail(api, ids('reset', 300));
  });

  test('201 with a malformed body counts as delivered, is not re-sent, and log() fails quietly', async () => {
    api = await startFaultApi();
    api.script((req) => (req.n > 30 && req.n <= 90 ? 'commit-malformed' : undefined));
    app = await startApp({ baseUrl: api.url });

    const responses = [
      ...(await app.traffic('DELETE', deletes('mal', 100))),
      ...(await app.traffic(
        'POST',
        ids('log', 100).map((id) => `/invoices/${id}/log`),
      )),
    ];
    const snap = await app.flush();

    expectAnswered(responses);
    expect(snap.stats.delivered).toBe(200);
    expect(snap.stats.dropped.total).toBe(0);
    expect(snap.stats.retries).toBe(0);
    expect(api.received.length).toBe(200);
    expectHealthy(snap, caps, [API_KEY]);
    expectTrail(api, [...ids('mal', 100), ...ids('log', 100)]);
  });
});
