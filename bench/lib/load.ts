// Load generators, both run in the parent process while the app runs in its own.
// - closedLoad: autocannon, N keep-alive connections each sending as fast as answers come back:
//   the app's capacity. Latencies are taken from autocannon's per-response times (floats),
//   because its own histogram has 1 ms resolution, too coarse for a p99 of a few ms.
// - openLoad: a constant arrival rate on an undici Pool, latencies measured from the moment
//   each request was due (no coordinated omission): the latency at a given load.
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { percentile } from './stats.js';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  /** Requests completed in each second (closed load only). */
  perSecond: number[];
}

export interface ClosedLoadOptions {
  url: string;
  method?: 'DELETE' | 'POST' | 'GET';
  path?: string;
  connections?: number;
  pipelining?: number;
  /** seconds */
  duration: number;
  body?: string;
  headers?: Record<string, string>;
  /** Headers that change per request (e.g. an Idempotency-Key). */
  perRequest?: () => Record<string, string>;
  /** Called every second with that second's count. */
  onSecond?: (count: number, second: number) => void;
}

export function closedLoad(options: ClosedLoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const perSecond: number[] = [];
  const method = options.method ?? 'DELETE';
  const path = options.path ?? '/invoices/inv_1';
  const headers = { ...options.headers, ...(options.body ? { 'content-type': 'application/json' } : {}) };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections ?? 64,
        pipelining: options.pipelining ?? 1,
        duration: options.duration,
        requests: [
          {
            method,
            path,
            headers,
            ...(options.body ? { body: options.body } : {}),
            ...(options.perRequest
              ? {
                  setupRequest: (req: autocannon.Request) => ({
                    ...req,
                    headers: { ...headers, ...options.perRequest!() },
                  }),
                }
              : {}),
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        resolve({
          rps: result.requests.total / (result.duration || options.duration),
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          total: result.requests.total,
          errors: result.errors + result.timeouts + result.non2xx,
          perSecond,
        });
      },
    );
    const events = instance as unknown as EventEmitter;
    events.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
    });
    events.on('tick', ({ counter }: { counter: number }) => {
      perSecond.push(counter);
      options.onSecond?.(counter, perSecond.length);
    });
  });
}

export interface OpenLoadOptions {
  url: string;
  method?: 'DELETE';
  path?: string;
  /** requests per second */
  rate: number;
  /** seconds */
  duration: number;
  /** Seconds sent first at the same rate and not recorded (connections, JIT). @default 1 */
  warmup?: number;
  connections?: number;
}

/** Sends `rate` requests/s for `duration` s whatever the answers, and reports latency from due time. */
export async function openLoad(options: OpenLoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.url, { connections: options.connections ?? 64, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const skip = Math.round(options.rate * (options.warmup ?? 1));
  const total = skip + Math.round(options.rate * options.duration);
  const interval = 1000 / options.rate;
  const started = performance.now();
  const pending = new Set<Promise<void>>();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Everything due by now goes out now; each latency counts from when it was due.
      while (sent < total && started + sent * interval <= now) {
        const due = started + sent * interval;
        const recorded = sent >= skip;
        sent++;
        const p: Promise<void> = pool
          .request({ method: options.method ?? 'DELETE', path: options.path ?? '/invoices/inv_1' })
          .then(async (res) => {
            await res.body.dump();
            if (!recorded) return;
            if (res.statusCode >= 300) errors++;
            latencies.push(performance.now() - due);
          })
          .catch(() => {
            if (recorded) errors++;
          })
          .finally(() => pending.delete(p));
        pending.add(p);
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  // Unref'd: the bound on stragglers must not keep a finished script alive for its 10 s.
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 10_000).unref())]);
  const elapsed = (performance.now() - started) / 1000 - (options.warmup ?? 1);
  await pool.destroy();
  return {
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    total: latencies.length,
    errors,
    perSecond: [],
  };
}
