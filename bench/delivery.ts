// Delivery throughput: events/s that @auditledge/core delivers to a loopback sink,
// side by side with (a) an undici Pool sending the same POSTs at the same concurrency
// (the ceiling) and (b) a fetch per event at the same concurrency (the naive approach); the
// client both with its default delivery worker and with `delivery: 'thread'`.
//
//   pnpm bench:delivery            (full: 7 rounds of 20,000 events)
//   pnpm bench:delivery --quick    (CI: 3 rounds of 2,000 events)
import { AuditLedge } from '@auditledge/core';
import { Pool } from 'undici';
import { alternate, goal, isMain, quick, startSink } from './lib/run.js';
import { fmt, median, pct } from './lib/stats.js';

const N = quick ? 2_000 : 20_000;
const ROUNDS = quick ? 3 : 7;
const concurrency = Number(process.env.CONCURRENCY ?? 64);
const body = JSON.stringify({
  actor: { id: 'user_1', name: 'Alice' },
  action: 'invoice.deleted',
  resource: { type: 'invoice', id: 'inv_1' },
  timestamp: new Date().toISOString(),
});
// The same headers @auditledge/core sends with each event.
const headers = {
  authorization: 'Bearer al_bench',
  'user-agent': 'auditledge-node/0.1.0',
  'content-type': 'application/json',
};

async function closedLoop(send: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < N) await send(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return N / ((performance.now() - started) / 1000);
}

/** One round of the client: a new client (cold connections, like the Pool's), `N` events, flushed. */
async function clientRound(url: string, delivery: 'worker' | 'thread'): Promise<number> {
  const audit = new AuditLedge('al_bench', { baseUrl: url, concurrency, maxQueueSize: N, delivery });
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    audit.enqueue({
      actor: { id: 'user_1', name: 'Alice' },
      action: 'invoice.deleted',
      resource: { type: 'invoice', id: 'inv_1' },
    });
  }
  await audit.flush();
  const rate = N / ((performance.now() - started) / 1000);
  const s = audit.stats();
  if (s.delivered !== N) throw new Error(`delivered ${s.delivered} of ${N}`);
  await audit.shutdown();
  return rate;
}

export async function delivery(): Promise<{ report: string }> {
  const sink = await startSink();
  // The delivery worker is one thread per process, started with its first client and ended with
  // its last: this client keeps it up across rounds, as an app's long-lived client does, so a
  // round pays for new connections (as the Pool's does) but not for a thread start per round.
  const keeper = new AuditLedge('al_bench', { baseUrl: sink.url });
  await keeper.log({ actor: { id: 'warm' }, action: 'bench.started', resource: { type: 'bench', id: '1' } });
  const results = await alternate(ROUNDS, {
    // A new pool per round, as each client round starts with a new client (cold connections both).
    'undici Pool (ceiling)': async () => {
      const pool = new Pool(sink.url, { connections: concurrency, pipelining: 1 });
      const rate = await closedLoop(async (i) => {
        const res = await pool.request({
          method: 'POST',
          path: '/v1/events',
          headers: { ...headers, 'idempotency-key': String(i) },
          body,
        });
        await res.body.text();
      });
      await pool.close();
      return rate;
    },
    '@auditledge/core': () => clientRound(sink.url, 'worker'),
    "@auditledge/core, delivery: 'thread'": () => clientRound(sink.url, 'thread'),
    'fetch per event': () =>
      closedLoop(async (i) => {
        const res = await fetch(`${sink.url}/v1/events`, {
          method: 'POST',
          headers: { ...headers, 'idempotency-key': String(i) },
          body,
        });
        await res.text();
      }),
  }).finally(() => keeper.shutdown().then(() => sink.close()));
  const ceiling = median(results['undici Pool (ceiling)']);
  const ours = median(results['@auditledge/core']);
  const naive = median(results['fetch per event']);
  const lines = [
    `### 2. Delivery throughput (${fmt(N)} events x ${ROUNDS} alternated rounds, concurrency ${concurrency}, median events/s)`,
    '',
    '| variant | events/s | vs ours |',
    '|---|---:|---:|',
  ];
  for (const [name, samples] of Object.entries(results)) {
    lines.push(`| ${name} | ${fmt(median(samples))} | ${fmt(median(samples) / ours, 2)}x |`);
  }
  lines.push(
    '',
    goal('ours >= 90% of an undici Pool', ours / ceiling >= 0.9, pct(ours / ceiling)),
    goal('ours >= 6x fetch', ours / naive >= 6, `${fmt(ours / naive, 1)}x`),
  );
  const report = lines.join('\n');
  console.log(`\n${report}`);
  return { report };
}

if (isMain(import.meta.url)) await delivery();
