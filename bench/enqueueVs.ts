// Enqueue cost of this tree's @auditledge/core against another build of it, in one process,
// alternated round by round (so both see the same machine load), as bench/enqueue.ts measures
// it: batches of BATCH enqueues into a client that never sends, median time per batch. For a
// before/after of a change to core: build the old tree's core elsewhere and pass its dist.
//
//   git worktree add --detach ../old main && (cd ../old && node scripts/setup.mjs)
//   pnpm --filter @auditledge/bench exec tsx enqueueVs.ts ../old/packages/core/dist/index.js [rounds]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuditEventInput, AuditLedge, ClientOptions, Transport } from '@auditledge/core';
import * as current from '@auditledge/core';
import { adapterEvent, minimalEvent } from './lib/events.js';
import { fmt, median } from './lib/stats.js';

const BATCH = 100;
const ROTATE_AT = 100_000;
const ROUND_MS = 1_000;

const events: Record<string, AuditEventInput> = { minimal: minimalEvent, adapter: adapterEvent };

type Ctor = new (apiKey: string, options: ClientOptions) => AuditLedge;
const transport: Transport = { request: async () => ({ status: 201, headers: {}, body: '{}' }) };
const options: ClientOptions = {
  transport,
  flushAt: 2 ** 31,
  flushInterval: 2 ** 31 - 1,
  maxQueueSize: 2 ** 31,
  maxQueueBytes: 2 ** 40,
};

/** Median events/s over batches run for ROUND_MS on fresh clients. */
async function round(Client: Ctor, event: AuditEventInput): Promise<number> {
  const times: number[] = [];
  let client = new Client('al_bench', options);
  let n = 0;
  const end = performance.now() + ROUND_MS;
  while (performance.now() < end) {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) client.enqueue(event);
    times.push(performance.now() - t0);
    n += BATCH;
    if (n >= ROTATE_AT) {
      await client.shutdown({ timeout: 0 });
      client = new Client('al_bench', options);
      n = 0;
    }
  }
  await client.shutdown({ timeout: 0 });
  return (BATCH / median(times)) * 1000;
}

const otherPath = process.argv[2];
if (!otherPath) throw new Error('usage: tsx enqueueVs.ts <other core dist/index.js> [rounds]');
const rounds = Number(process.argv[3] ?? 8);
const other = (await import(pathToFileURL(resolve(otherPath)).href)) as typeof current;
const variants: Array<[string, Ctor]> = [
  ['other', other.AuditLedge as unknown as Ctor],
  ['this tree', current.AuditLedge as unknown as Ctor],
];

const rates: Record<string, Record<string, number[]>> = {};
for (let r = 0; r < rounds; r++) {
  // Alternate which goes first, so neither always runs on a warmer (or more fragmented) heap.
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const kind of Object.keys(events)) {
    for (const [name, Client] of order) {
      const rate = await round(Client, events[kind]!);
      const byName = rates[kind] ?? {};
      rates[kind] = byName;
      byName[name] = [...(byName[name] ?? []), rate];
    }
  }
  process.stdout.write('.');
}
console.log(
  `\n\nenqueue events/s, ${rounds} alternated rounds x ${ROUND_MS} ms per variant and event, batches of ${BATCH}`,
);
console.log(`other: ${otherPath}\n`);
console.log('| event | other | this tree | this / other (median of per-round ratios) |');
console.log('|---|---:|---:|---:|');
for (const [kind, byName] of Object.entries(rates)) {
  const a = byName.other!;
  const b = byName['this tree']!;
  const ratio = median(b.map((v, i) => v / a[i]!));
  console.log(`| ${kind} | ${fmt(median(a))} | ${fmt(median(b))} | ${fmt(ratio, 2)}x |`);
}
