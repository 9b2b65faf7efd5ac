// Hot-path cost at one request rate for every variant (issue 18, goal 1, read another way).
// hotpath.ts drives each variant as hard as it goes, so a slower variant is measured at a lower
// rate; on loopback, with the load generator on the same 2 cores, the kernel's share of writing a
// response (waking the generator) grows as the rate falls, and that lands in the slower variant's
// CPU per request (bench/RESULTS.md, the Koa profile diff). Here every variant gets the same
// constant arrival rate (open loop, a share of bare's capacity), alternated, and we read the app's
// CPU per request: the whole process's and its main thread's (from /proc, Linux). The variants:
// bare, ours with a no-op transport (hotpath.ts's `ours`, delivered in-thread), ours with the
// default client delivering every event to a loopback sink in its own process (the delivery
// worker: its HTTP work is in the process's CPU, not the main thread's), pino-http and morgan
// writing to /dev/null.
//
//   cd bench && npx tsx hotpathRate.ts [rounds=4] [seconds=4] [share of bare capacity=0.3]
//   FRAMEWORKS=koa,fastify npx tsx hotpathRate.ts      (default: express, koa, fastify)
import { type AppProcess, type AppStats, startApp } from './lib/appProcess.js';
import type { AppConfig, Framework } from './lib/apps.js';
import { closedLoad, openLoad } from './lib/load.js';
import { alternate, startSink } from './lib/run.js';
import { fmt, median } from './lib/stats.js';

const ROUNDS = Number(process.argv[2] ?? 4);
const SECONDS = Number(process.argv[3] ?? 4);
const SHARE = Number(process.argv[4] ?? 0.3);
const FRAMEWORKS = (process.env.FRAMEWORKS ?? 'express,koa,fastify').split(',') as Framework[];

type Name = 'bare' | 'ours (no-op transport)' | 'ours (delivering, worker)' | 'pino-http' | 'morgan';

interface Round {
  rps: number;
  cpuPerReq: number;
  mainPerReq: number;
}

const cpuOf = (s: AppStats) => s.cpu.user + s.cpu.system;
const mainOf = (s: AppStats) => s.mainCpu ?? Number.NaN;

const sink = await startSink();
const lines: string[] = [];
try {
  for (const framework of FRAMEWORKS) {
    const configs: Record<Name, AppConfig> = {
      bare: { framework, variant: 'bare' },
      'ours (no-op transport)': { framework, variant: 'ours' },
      'ours (delivering, worker)': { framework, variant: 'delivery', sinkUrl: sink.url },
      'pino-http': { framework, variant: 'pino-http' },
      morgan: { framework, variant: 'morgan' },
    };
    const names = Object.keys(configs) as Name[];
    const apps = {} as Record<Name, AppProcess>;
    for (const n of names) apps[n] = await startApp(configs[n]);
    try {
      const capacity = await closedLoad({ url: apps.bare.url, duration: 2, connections: 16 });
      const rate = Math.round(capacity.rps * SHARE);
      const round = (app: AppProcess) => async (): Promise<Round> => {
        const before = await app.stats();
        const r = await openLoad({ url: app.url, rate, duration: SECONDS, warmup: 1 });
        const after = await app.stats();
        await app.flush(30_000);
        const requests = Math.max(1, r.total);
        return {
          rps: r.rps,
          cpuPerReq: (cpuOf(after) - cpuOf(before)) / requests,
          mainPerReq: (mainOf(after) - mainOf(before)) / requests,
        };
      };
      const rounds = await alternate<Name, Round>(
        ROUNDS,
        Object.fromEntries(names.map((n) => [n, round(apps[n])])) as Record<Name, () => Promise<Round>>,
      );
      const med = (n: Name, k: keyof Round) => median(rounds[n].map((r) => r[k]));
      lines.push(
        '',
        `${framework}: ${fmt(rate)} req/s for every variant (${SHARE * 100}% of bare's ${fmt(capacity.rps)}), ${ROUNDS} alternated rounds x ${SECONDS} s, medians`,
        '',
        '| variant | req/s | process CPU µs/req | over bare | main thread µs/req | over bare |',
        '|---|---:|---:|---:|---:|---:|',
      );
      for (const n of names) {
        const cpu = med(n, 'cpuPerReq');
        const main = med(n, 'mainPerReq');
        const over = (v: number, b: number) => (n === 'bare' ? '-' : `+${fmt(v - b, 1)}`);
        lines.push(
          `| ${n} | ${fmt(med(n, 'rps'))} | ${fmt(cpu, 1)} | ${over(cpu, med('bare', 'cpuPerReq'))} | ${fmt(main, 1)} | ${over(main, med('bare', 'mainPerReq'))} |`,
        );
      }
      console.log(lines.slice(-(names.length + 5)).join('\n'));
    } finally {
      await Promise.all(Object.values(apps).map((a) => a.close()));
    }
  }
} finally {
  await sink.close();
}
