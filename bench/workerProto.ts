// PROTOTYPE measurement for issue 18 goal 2 (delivery off the main thread), not part of
// `pnpm bench`: the Express app delivering every event to a loopback sink, in-thread (today)
// against the same client whose transport runs on a worker thread (bench/lib/workerTransport.ts),
// handing requests over by batched postMessage or through a SharedArrayBuffer ring. Alternated
// rounds at saturation (closed loop), then latency at half of bare capacity (open loop).
// Reports req/s, the app's main-thread CPU per request (from /proc, so the worker's own CPU
// is not in it) and the whole process's.
//
//   pnpm --filter @auditledge/bench exec tsx workerProto.ts [rounds] [seconds]
import { type AppProcess, startApp } from './lib/appProcess.js';
import type { AppConfig } from './lib/apps.js';
import { closedLoad, openLoad } from './lib/load.js';
import { alternate, startSink } from './lib/run.js';
import { fmt, median, pct } from './lib/stats.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTIONS = 16;

interface Round {
  rps: number;
  p99: number;
  cpuPerReq: number;
  mainCpuPerReq: number;
  deliveredPerSec: number;
  dropped: number;
}

async function saturate(app: AppProcess): Promise<Round> {
  const before = await app.stats();
  const r = await closedLoad({ url: app.url, duration: SECONDS, connections: CONNECTIONS });
  const after = await app.stats();
  await app.flush(30_000);
  const total = Math.max(1, r.total);
  return {
    rps: r.rps,
    p99: r.p99,
    cpuPerReq: (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / total,
    mainCpuPerReq: ((after.mainCpu ?? Number.NaN) - (before.mainCpu ?? Number.NaN)) / total,
    deliveredPerSec: (after.pipeline.delivered - before.pipeline.delivered) / SECONDS,
    dropped: after.pipeline.dropped - before.pipeline.dropped,
  };
}

const sink = await startSink();
const configs: Record<string, AppConfig> = {
  bare: { framework: 'express', variant: 'bare' },
  'in-thread': { framework: 'express', variant: 'delivery', sinkUrl: sink.url },
  'worker, postMessage': { framework: 'express', variant: 'delivery', sinkUrl: sink.url, worker: 'message' },
  'worker, SAB ring': { framework: 'express', variant: 'delivery', sinkUrl: sink.url, worker: 'sab' },
};
const apps: Record<string, AppProcess> = {};
try {
  for (const [name, config] of Object.entries(configs)) apps[name] = await startApp(config);
  for (const app of Object.values(apps)) {
    await closedLoad({ url: app.url, duration: 2, connections: CONNECTIONS });
    await app.flush(30_000);
  }
  const rounds = await alternate(
    ROUNDS,
    Object.fromEntries(Object.entries(apps).map(([name, app]) => [name, () => saturate(app)])) as Record<
      string,
      () => Promise<Round>
    >,
  );
  const bare = rounds.bare!;
  const inThread = rounds['in-thread']!;
  const bareRps = median(bare.map((r) => r.rps));
  // p99 at half of bare capacity, open loop, alternated.
  const latency = await alternate(
    Math.max(1, Math.min(3, ROUNDS)),
    Object.fromEntries(
      Object.entries(apps).map(([name, app]) => [
        name,
        async () => {
          const r = await openLoad({ url: app.url, rate: Math.round(bareRps / 2), duration: SECONDS });
          await app.flush(30_000);
          return r.p99;
        },
      ]),
    ) as Record<string, () => Promise<number>>,
  );

  const lines = [
    `Express, DELETE /invoices/:id, ${CONNECTIONS} connections, ${ROUNDS} alternated rounds x ${SECONDS} s at saturation; sink on loopback in its own process; medians (ratios: medians of per-round ratios)`,
    '',
    '| variant | req/s | vs bare | vs in-thread | main-thread CPU µs/req | process CPU µs/req | main-thread CPU vs in-thread | events delivered/s | dropped | p99 ms at 50% of bare | p99 vs bare |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const bareP99 = median(latency.bare!);
  for (const [name, rs] of Object.entries(rounds)) {
    const audited = name !== 'bare';
    lines.push(
      `| ${name} | ${fmt(median(rs.map((r) => r.rps)))} | ${pct(median(rs.map((r, i) => r.rps / bare[i]!.rps)))} | ${
        audited ? pct(median(rs.map((r, i) => r.rps / inThread[i]!.rps))) : '-'
      } | ${fmt(median(rs.map((r) => r.mainCpuPerReq)), 1)} | ${fmt(median(rs.map((r) => r.cpuPerReq)), 1)} | ${
        audited ? `${fmt(median(rs.map((r, i) => r.mainCpuPerReq / inThread[i]!.mainCpuPerReq)), 2)}x` : '-'
      } | ${audited ? fmt(median(rs.map((r) => r.deliveredPerSec))) : '-'} | ${
        audited ? fmt(rs.reduce((n, r) => n + r.dropped, 0)) : '-'
      } | ${fmt(median(latency[name]!), 2)} | ${fmt(median(latency[name]!) / bareP99, 2)}x |`,
    );
  }
  console.log(`\n${lines.join('\n')}`);
} finally {
  await Promise.all(Object.values(apps).map((a) => a.close()));
  await sink.close();
}
