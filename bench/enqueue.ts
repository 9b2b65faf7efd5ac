// 4. Enqueue cost: events/s of `client.enqueue()` into a client that never sends (flushAt,
// flushInterval and maxQueueSize out of reach), with tinybench, beside the irreducible part
// (JSON.stringify of the same event) and what users would otherwise do on the hot path
// (a pino `logger.info(adapterEvent)` to /dev/null).
//
// Each iteration enqueues a batch of BATCH events, so timer overhead does not dominate a
// sub-microsecond call; the client is replaced (outside the timed part) before it grows big.
//
//   pnpm bench:enqueue            (full: 2 s per task)
//   pnpm bench:enqueue --quick    (CI: 0.3 s per task)
import { createRequire } from 'node:module';
import { AuditLedge, type Transport } from '@auditledge/core';
import { Bench } from 'tinybench';
import { adapterEvent, minimalEvent } from './lib/events.js';
import { profileHere, profileTable } from './lib/profile.js';
import { goal, isMain, quick } from './lib/run.js';
import { fmt } from './lib/stats.js';

const BATCH = 100;
const ROTATE_AT = 100_000;
const require = createRequire(import.meta.url);
const pino = createRequire(require.resolve('pino-http'))('pino') as {
  (opts: object, dest: unknown): { info(obj: object): void };
  destination(opts: { dest: string; sync: boolean }): unknown;
};

// A timer of 2^31-1 ms is the longest Node allows (longer ones fire after 1 ms).
// Never used while timing (nothing is flushed); only when a full client is retired.
const transport: Transport = { request: async () => ({ status: 201, headers: {}, body: '{}' }) };
const stopped = () =>
  new AuditLedge('al_bench', {
    transport,
    flushAt: 2 ** 31,
    flushInterval: 2 ** 31 - 1,
    maxQueueSize: 2 ** 31,
    maxQueueBytes: 2 ** 40,
  });

export async function enqueue(): Promise<{ ours: number; report: string }> {
  let client = stopped();
  const logger = pino({}, pino.destination({ dest: '/dev/null', sync: true }));
  const bench = new Bench({ time: quick ? 300 : 2_000, warmupTime: quick ? 100 : 500 });
  const rotate = {
    afterEach() {
      if (client.stats().queued >= ROTATE_AT) {
        // shutdown() clears the client's timer, which would otherwise keep its queue alive.
        void client.shutdown({ timeout: 0 });
        client = stopped();
      }
    },
  };
  bench
    .add(
      'client.enqueue(minimal event)',
      () => {
        for (let i = 0; i < BATCH; i++) client.enqueue(minimalEvent);
      },
      rotate,
    )
    .add(
      'client.enqueue(adapter event)',
      () => {
        for (let i = 0; i < BATCH; i++) client.enqueue(adapterEvent);
      },
      rotate,
    )
    .add('JSON.stringify(adapter event)', () => {
      for (let i = 0; i < BATCH; i++) JSON.stringify(adapterEvent);
    })
    .add('pino logger.info(adapter event) to /dev/null', () => {
      for (let i = 0; i < BATCH; i++) logger.info(adapterEvent);
    });
  await bench.run();
  await client.shutdown({ timeout: 0 });

  const rate = (name: string) => {
    const task = bench.getTask(name)!;
    const ms = task.result?.latency?.p50 ?? Number.NaN; // per batch
    return (BATCH / ms) * 1000;
  };
  const ours = rate('client.enqueue(adapter event)');
  const small = rate('client.enqueue(minimal event)');
  const lines = [
    `### 4. Enqueue cost (tinybench, batches of ${BATCH}, median per batch)`,
    '',
    '| task | events/s | vs enqueue(adapter event) |',
    '|---|---:|---:|',
  ];
  for (const task of bench.tasks) {
    const r = rate(task.name);
    lines.push(`| ${task.name} | ${fmt(r)} | ${fmt(r / ours, 2)}x |`);
  }
  lines.push(
    '',
    goal('enqueue() >= 1,000,000 events/s, minimal event', small >= 1_000_000, `${fmt(small)} events/s`),
    goal('enqueue() >= 1,000,000 events/s, adapter event', ours >= 1_000_000, `${fmt(ours)} events/s`),
  );
  if (!quick && ours < 1_000_000) {
    let client = stopped();
    let n = 0;
    const top = await profileHere(() => {
      for (let i = 0; i < BATCH; i++) client.enqueue(adapterEvent);
      n += BATCH;
      if (n >= ROTATE_AT) {
        void client.shutdown({ timeout: 0 });
        client = stopped();
        n = 0;
      }
    }, 3_000);
    await client.shutdown({ timeout: 0 });
    lines.push('', profileTable('Profile of enqueue(adapter event) (node:inspector, top self time):', top));
  }
  const report = lines.join('\n');
  console.log(`\n${report}`);
  return { ours, report };
}

if (isMain(import.meta.url)) await enqueue();
