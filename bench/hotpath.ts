// 1. Hot-path overhead, per framework: `DELETE /invoices/:id` bare, with our adapter whose
// client delivers nowhere (a no-op transport), with pino-http and with morgan (both to
// /dev/null). Each variant runs in its own process, all alive for the whole run; autocannon
// drives one at a time from this process, rounds alternated (A B C D, then D C B A, ...).
// Ratios are paired per round (variant / bare of the same round), then the median is taken.
//
// Besides req/s it reports the app's own CPU time per request (process.cpuUsage in the app):
// on 2 cores the load generator shares the machine, and when the app is not saturated the
// req/s ratio understates the overhead; CPU µs/request does not depend on the generator.
//
//   pnpm bench:hotpath            (full: 6 rounds x 3 s per variant, 2 s warm-up)
//   pnpm bench:hotpath --quick    (CI: 1 round x 0.6 s, no warm-up)
//   BASELINE=../old pnpm bench:hotpath   (adds `baseline`: ours from the built checkout ../old)

import { type AppProcess, startApp, UnavailableError } from './lib/appProcess.js';
import type { Framework, Variant } from './lib/apps.js';
import { frameworks } from './lib/apps.js';
import { closedLoad } from './lib/load.js';
import { profileApp, profileTable } from './lib/profile.js';
import { alternate, goal, isMain, quick } from './lib/run.js';
import { fmt, median, pct } from './lib/stats.js';

const ROUNDS = Number(process.env.ROUNDS ?? (quick ? 1 : 6));
const SECONDS = quick ? 0.6 : 3;
const WARMUP = quick ? 0 : 2;
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const only = process.env.FRAMEWORKS?.split(',') as Framework[] | undefined;
// BASELINE=<another checkout, built>: adds `baseline`, our adapter as that checkout has it, so a
// change's before/after is measured side by side in one run (`git worktree add --detach ../old <rev>`).
const BASELINE = process.env.BASELINE;
const variants: Variant[] = [
  'bare',
  'ours',
  ...(BASELINE ? (['baseline'] as const) : []),
  'pino-http',
  'morgan',
];
// NestJS apps are also measured against a logging interceptor, what Nest users write themselves.
const variantsOf = (framework: Framework): Variant[] =>
  framework.startsWith('nestjs') ? [...variants, 'interceptor'] : variants;

interface Round {
  rps: number;
  p99: number;
  cpuPerReq: number;
  cpuUtil: number;
}

async function measure(app: AppProcess, seconds: number): Promise<Round> {
  const before = await app.stats();
  const t0 = performance.now();
  const r = await closedLoad({ url: app.url, duration: seconds, connections: CONNECTIONS });
  const after = await app.stats();
  const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system; // µs
  if (r.errors > 0) console.error(`  ${r.errors} errors`);
  return {
    rps: r.rps,
    p99: r.p99,
    cpuPerReq: cpu / Math.max(1, r.total),
    cpuUtil: cpu / 1000 / (performance.now() - t0),
  };
}

export interface HotpathRow {
  framework: Framework;
  variant: Variant;
  rps: number;
  rpsRatio: number;
  p99: number;
  p99Ratio: number;
  cpuPerReq: number;
  cpuRatio: number;
  cpuUtil: number;
}

export async function hotpath(): Promise<{ rows: HotpathRow[]; missing: string[]; report: string }> {
  const rows: HotpathRow[] = [];
  const missing: string[] = [];
  const out: string[] = [];
  // All apps start together (only one is ever under load), so nobody waits for each in turn.
  const all = new Map<string, AppProcess>();
  const keys = (only ?? frameworks).flatMap((framework) =>
    variantsOf(framework).map((variant) => ({ framework, variant })),
  );
  const started = await Promise.allSettled(
    keys.map((k) => startApp(k.variant === 'baseline' ? { ...k, baseline: BASELINE } : k)),
  );
  try {
    started.forEach((result, i) => {
      const { framework, variant } = keys[i]!;
      if (result.status === 'fulfilled') all.set(`${framework}/${variant}`, result.value);
      else if (result.reason instanceof UnavailableError)
        missing.push(`${framework}: ${result.reason.message}`);
    });
    for (const result of started) {
      if (result.status === 'rejected' && !(result.reason instanceof UnavailableError)) throw result.reason;
    }
    for (const framework of only ?? frameworks) {
      const present = variantsOf(framework).filter((v) => all.has(`${framework}/${v}`));
      const app = (v: Variant) => all.get(`${framework}/${v}`)!;
      if (WARMUP > 0) {
        for (const v of present)
          await closedLoad({ url: app(v).url, duration: WARMUP, connections: CONNECTIONS });
      }
      const runs = await alternate(
        ROUNDS,
        Object.fromEntries(present.map((v) => [v, () => measure(app(v), SECONDS)])) as Record<
          Variant,
          () => Promise<Round>
        >,
      );
      const bare = runs.bare;
      for (const v of present) {
        const r = runs[v];
        rows.push({
          framework,
          variant: v,
          rps: median(r.map((x) => x.rps)),
          rpsRatio: median(r.map((x, i) => x.rps / bare[i]!.rps)),
          p99: median(r.map((x) => x.p99)),
          p99Ratio: median(r.map((x, i) => x.p99 / bare[i]!.p99)),
          cpuPerReq: median(r.map((x) => x.cpuPerReq)),
          cpuRatio: median(r.map((x, i) => x.cpuPerReq / bare[i]!.cpuPerReq)),
          cpuUtil: median(r.map((x) => x.cpuUtil)),
        });
      }
    }
  } finally {
    await Promise.all([...all.values()].map((a) => a.close()));
  }

  out.push(
    `### 1. Hot-path overhead (\`DELETE /invoices/:id\`, ${CONNECTIONS} connections, ${ROUNDS} alternated rounds x ${SECONDS} s, medians of per-round ratios to bare)`,
    '',
    '| framework | variant | req/s | req/s vs bare | p99 ms | p99 vs bare | app CPU µs/req | CPU/req vs bare | app CPU busy |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of rows) {
    out.push(
      `| ${r.framework} | ${r.variant} | ${fmt(r.rps)} | ${pct(r.rpsRatio)} | ${fmt(r.p99, 2)} | ${fmt(r.p99Ratio, 2)}x | ${fmt(r.cpuPerReq, 1)} | ${fmt(r.cpuRatio, 2)}x | ${pct(r.cpuUtil, 0)} |`,
    );
  }
  out.push('');
  for (const m of missing) out.push(`- not measured: ${m}`);
  const missed: Framework[] = [];
  for (const framework of only ?? frameworks) {
    const ours = rows.find((r) => r.framework === framework && r.variant === 'ours');
    if (!ours) continue;
    const pino = rows.find((r) => r.framework === framework && r.variant === 'pino-http')!;
    const morgan = rows.find((r) => r.framework === framework && r.variant === 'morgan')!;
    const interceptor = rows.find((r) => r.framework === framework && r.variant === 'interceptor');
    const ok97 = ours.rpsRatio >= 0.97;
    const ahead =
      ours.rps > pino.rps && ours.rps > morgan.rps && (!interceptor || ours.rps > interceptor.rps);
    out.push(
      goal(`${framework}: ours >= 97% of bare req/s`, ok97, pct(ours.rpsRatio)),
      goal(
        `${framework}: ours ahead of pino-http and morgan${interceptor ? ' and a logging interceptor' : ''}`,
        ahead,
        `${pct(ours.rpsRatio)} vs ${pct(pino.rpsRatio)} and ${pct(morgan.rpsRatio)}${interceptor ? ` and ${pct(interceptor.rpsRatio)}` : ''}`,
      ),
    );
    if (!ok97 || !ahead) missed.push(framework);
  }
  if (missed.length > 0 && !quick) {
    for (const framework of missed) {
      const top = await profileApp({ framework, variant: 'ours' }, 8, CONNECTIONS);
      out.push(
        '',
        profileTable(`Profile of ${framework} + ours under load (node --cpu-prof, top self time):`, top),
      );
    }
  }
  const report = out.join('\n');
  console.log(`\n${report}`);
  return { rows, missing, report };
}

if (isMain(import.meta.url)) await hotpath();
