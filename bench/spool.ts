// 9. Spool cost: the same client with and without `spool: { dir }`, side by side in one run.
//
// a) Enqueue: a client whose transport answers 201 at once (so every event is also acknowledged
//    in the spool and segments are reclaimed, the steady state), fed BATCH events per event-loop
//    turn for SECONDS, rounds alternated. Reported: events/s, and the whole process's CPU time per
//    event (process.cpuUsage, which counts the spool's writes on libuv's thread pool too).
// b) Hot path: Express with our adapter and a no-op transport (`ours`), without and with a spool,
//    each in its own process, autocannon rounds alternated; req/s and the app's CPU µs/request.
//
// The outage with a spool is `pnpm bench:outage --spool` (section 5b).
//
//   pnpm bench:spool            (full: 6 rounds x 3 s)
//   pnpm bench:spool --quick    (CI: 1 round x 0.5 s)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLedge, type ClientOptions, type Transport } from '@auditledge/core';
import { type AppProcess, startApp } from './lib/appProcess.js';
import { adapterEvent as event } from './lib/events.js';
import { closedLoad } from './lib/load.js';
import { alternate, goal, isMain, quick } from './lib/run.js';
import { fmt, median, pct } from './lib/stats.js';

const ROUNDS = Number(process.env.ROUNDS ?? (quick ? 1 : 6));
const SECONDS = quick ? 0.5 : 3;
const BATCH = 20;
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);

const stored = JSON.stringify({ event: { id: 'x' } });
const transport: Transport = { request: async () => ({ status: 201, headers: {}, body: stored }) };
const turn = () => new Promise((resolve) => setImmediate(resolve));

interface Rate {
  perSecond: number;
  cpuPerEvent: number;
}

async function enqueueRound(options: ClientOptions): Promise<Rate> {
  const client = new AuditLedge('al_bench', { transport, ...options });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < SECONDS * 1000) {
    for (let i = 0; i < BATCH; i++) client.enqueue(event);
    n += BATCH;
    await turn();
  }
  await client.flush();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const s = client.stats();
  if (s.delivered !== n) throw new Error(`expected ${n} delivered, got ${JSON.stringify(s)}`);
  await client.shutdown();
  return { perSecond: (n / ms) * 1000, cpuPerEvent: (cpu.user + cpu.system) / n };
}

async function measureApp(app: AppProcess): Promise<{ rps: number; cpuPerReq: number }> {
  const before = await app.stats();
  const r = await closedLoad({ url: app.url, duration: SECONDS, connections: CONNECTIONS });
  const after = await app.stats();
  const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  return { rps: r.rps, cpuPerReq: cpu / Math.max(1, r.total) };
}

export async function spool(): Promise<{ report: string }> {
  const root = mkdtempSync(join(tmpdir(), 'auditledge-bench-spool-'));
  let k = 0;
  const dir = () => join(root, `client-${k++}`);
  const out: string[] = [];
  try {
    const enq = await alternate(ROUNDS, {
      memory: () => enqueueRound({}),
      'spool (fsync interval)': () => enqueueRound({ spool: { dir: dir() } }),
      'spool (fsync always)': () => enqueueRound({ spool: { dir: dir(), fsync: 'always' } }),
    });
    const base = enq.memory;
    out.push(
      `### 9a. Enqueue with and without a spool (${BATCH} events per event-loop turn, ${ROUNDS} alternated rounds x ${SECONDS} s, transport answering 201 at once, medians)`,
      '',
      '| client | events/s | vs memory only | process CPU µs/event | vs memory only |',
      '|---|---:|---:|---:|---:|',
    );
    for (const [name, runs] of Object.entries(enq)) {
      out.push(
        `| ${name} | ${fmt(median(runs.map((r) => r.perSecond)))} | ${pct(median(runs.map((r, i) => r.perSecond / base[i]!.perSecond)))} | ${fmt(median(runs.map((r) => r.cpuPerEvent)), 2)} | ${fmt(median(runs.map((r, i) => r.cpuPerEvent / base[i]!.cpuPerEvent)), 2)}x |`,
      );
    }

    const apps = {
      ours: await startApp({ framework: 'express', variant: 'ours' }),
      'ours + spool': await startApp({ framework: 'express', variant: 'ours', spoolDir: dir() }),
    };
    try {
      if (!quick)
        for (const app of Object.values(apps))
          await closedLoad({ url: app.url, duration: 2, connections: CONNECTIONS });
      const runs = await alternate(ROUNDS, {
        ours: () => measureApp(apps.ours),
        'ours + spool': () => measureApp(apps['ours + spool']),
      });
      const rpsRatio = median(runs['ours + spool'].map((r, i) => r.rps / runs.ours[i]!.rps));
      const cpuRatio = median(runs['ours + spool'].map((r, i) => r.cpuPerReq / runs.ours[i]!.cpuPerReq));
      out.push(
        '',
        `### 9b. Hot path with a spool (Express, \`DELETE /invoices/:id\`, our adapter with a no-op transport, ${CONNECTIONS} connections, ${ROUNDS} alternated rounds x ${SECONDS} s)`,
        '',
        '| variant | req/s | app CPU µs/req |',
        '|---|---:|---:|',
      );
      for (const [name, r] of Object.entries(runs)) {
        out.push(
          `| ${name} | ${fmt(median(r.map((x) => x.rps)))} | ${fmt(median(r.map((x) => x.cpuPerReq)), 1)} |`,
        );
      }
      out.push(
        '',
        `With the spool: req/s ${pct(rpsRatio)} of without, CPU per request ${fmt(cpuRatio, 2)}x (medians of per-round ratios).`,
        '',
        goal('spool costs <= 10% of req/s on the hot path', rpsRatio >= 0.9, pct(rpsRatio)),
      );
    } finally {
      await Promise.all(Object.values(apps).map((a) => a.close()));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const report = out.join('\n');
  console.log(`\n${report}`);
  return { report };
}

if (isMain(import.meta.url)) await spool();
