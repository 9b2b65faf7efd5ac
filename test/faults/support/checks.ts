import { expect } from 'vitest';
import type { Snapshot } from '../fixtures/protocol.js';
import type { AppProcess, Response } from './appProcess.js';
import type { FaultApi } from './faultApi.js';

/** Every request was answered normally, whatever the audit API was doing. */
export function expectAnswered(responses: Response[]): void {
  const failed = responses.filter((r) => r.status !== 200 || !r.body.includes('"ok":true'));
  expect(failed, `requests not answered normally: ${JSON.stringify(failed.slice(0, 3))}`).toEqual([]);
}

/**
 * What every case must show: the accounting adds up (sampled every 2 ms in the app), memory
 * stayed under both caps, no unhandled rejection or exception, no request broken by auditing,
 * and no secret in anything the client reported.
 */
export function expectHealthy(
  snap: Snapshot,
  caps: { maxQueueSize: number; maxQueueBytes: number },
  secrets: string[],
): void {
  const s = snap.stats;
  expect(s.accepted).toBe(s.delivered + s.dropped.total + s.queued + s.inFlight);
  expect(snap.invariantViolations).toBe(0);
  expect(snap.unhandled).toEqual([]);
  expect(snap.appErrors).toEqual([]);
  expect(snap.maxQueued).toBeLessThanOrEqual(caps.maxQueueSize);
  expect(snap.maxQueuedBytes).toBeLessThanOrEqual(caps.maxQueueBytes);
  for (const secret of secrets) {
    const leaks = snap.reported.filter((line) => line.includes(secret));
    expect(leaks, 'a secret reached onError, onDrop or the logger').toEqual([]);
  }
}

/** The trail holds exactly these resource ids, each once (no loss, no duplicate). */
export function expectTrail(api: FaultApi, resourceIds: string[]): void {
  const stored = [...api.stored.values()].map((e) => e.resource.id);
  const counts = new Map<string, number>();
  for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  expect(duplicated, 'events stored more than once').toEqual([]);
  expect([...counts.keys()].sort()).toEqual([...resourceIds].sort());
}

/** Idempotency-Keys the API received more than once: the retries that made dedup necessary. */
export function resentKeys(api: FaultApi): string[] {
  const counts = new Map<string, number>();
  for (const r of api.received) if (r.key) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([key]) => key);
}

/** Polls the app's stats (over IPC, every 10 ms) until `predicate` holds. */
export async function untilStats(
  app: AppProcess,
  predicate: (snap: Snapshot) => boolean,
  label: string,
  limitMs = 8_000,
): Promise<Snapshot> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const snap = await app.stats();
    if (predicate(snap)) return snap;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${label}: ${JSON.stringify(snap.stats)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
