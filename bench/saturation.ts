// 3. Saturation with delivery (Express): the audited app driven as hard as it goes while every
// event is delivered to a loopback sink (its own process), against the same app bare and with
// a `fetch` per request. The app samples `client.stats().queued` every 250 ms: a queue that
// grows under load ends in dropped events. Then p99 latency at half of bare capacity (open-loop,
// constant arrival rate) with and without us, and the same saturation at client
// `concurrency` 8, 16, 32 and 64, to pick the default.
//
// After every round the app is given time to deliver its backlog (outside the timed part), so
// no round pays for the previous one's leftovers.
//
//   pnpm bench:saturation            (full: 5 rounds x 5 s; latency 3 x 5 s; sweep 3 x 5 s)
//   pnpm bench:saturation --quick    (CI: 1 round x 0.6 s each)
import { writeFileSync } from 'node:fs';
import { type AppProcess, type Sample, startApp } from './lib/appProcess.js';
import type { AppConfig } from './lib/apps.js';
import { closedLoad, openLoad } from './lib/load.js';
import { profileApp, profileTable } from './lib/profile.js';
import { alternate, goal, isMain, quick, type Sink, startSink } from './lib/run.js';
import { fmt, median, pct, slope } from './lib/stats.js';
import { lineChart } from './lib/svg.js';

const SECONDS = quick ? 0.6 : 5;
const ROUNDS = quick ? 1 : 5;
const SWEEP_ROUNDS = quick ? 1 : 3;
const LATENCY_ROUNDS = quick ? 1 : 3;
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const SAMPLE_MS = 250;
const SWEEP = [8, 16, 32, 64, 128];

interface Round {
  rps: number;
  p99: number;
  /** Growth of `queued` over the round, events/s (least squares over the 250 ms samples). */
  queueSlope: number;
  maxQueued: number;
  dropped: number;
  deliveredPerSec: number;
  drainMs: number;
  /** The app process's CPU time per request, µs (independent of the sink and load generator). */
  cpuPerReq: number;
  series: Array<[number, number]>;
}

async function saturate(app: AppProcess, seconds: number): Promise<Round> {
  const before = await app.stats();
  const from = app.samples.length;
  const r = await closedLoad({ url: app.url, duration: seconds, connections: CONNECTIONS });
  const after = await app.stats();
  const window: Sample[] = app.samples.slice(from);
  const t0 = window[0]?.t ?? 0;
  const drainStart = performance.now();
  await app.flush(30_000);
  return {
    rps: r.rps,
    p99: r.p99,
    queueSlope: slope(
      window.map((s) => (s.t - t0) / 1000),
      window.map((s) => s.queued),
    ),
    maxQueued: Math.max(0, ...window.map((s) => s.queued)),
    dropped: after.pipeline.dropped - before.pipeline.dropped,
    deliveredPerSec: (after.pipeline.delivered - before.pipeline.delivered) / seconds,
    drainMs: performance.now() - drainStart,
    cpuPerReq:
      (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / Math.max(1, r.total),
    series: window.map((s) => [(s.t - t0) / 1000, s.queued]),
  };
}

/** Flat: no drops, and the backlog grows by less than 1% of the request rate. */
const flat = (r: Round) => r.dropped === 0 && r.queueSlope < 0.01 * r.rps;

function summary(rs: Round[], bare: Round[]) {
  return {
    rps: median(rs.map((r) => r.rps)),
    ratio: median(rs.map((r, i) => r.rps / bare[i]!.rps)),
    slope: median(rs.map((r) => r.queueSlope)),
    maxQueued: Math.max(...rs.map((r) => r.maxQueued)),
    dropped: rs.reduce((n, r) => n + r.dropped, 0),
    delivered: median(rs.map((r) => r.deliveredPerSec)),
    drainMs: median(rs.map((r) => r.drainMs)),
    cpuPerReq: median(rs.map((r) => r.cpuPerReq)),
    cpuRatio: median(rs.map((r, i) => r.cpuPerReq / bare[i]!.cpuPerReq)),
    flat: rs.every(flat),
  };
}

async function withApps<T>(
  configs: Record<string, AppConfig>,
  fn: (apps: Record<string, AppProcess>) => Promise<T>,
) {
  const apps: Record<string, AppProcess> = {};
  try {
    const entries = Object.entries(configs);
    const started = await Promise.allSettled(entries.map(([, c]) => startApp(c, { sampleMs: SAMPLE_MS })));
    started.forEach((result, i) => {
      if (result.status === 'fulfilled') apps[entries[i]![0]] = result.value;
    });
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    for (const app of quick ? [] : Object.values(apps)) {
      await closedLoad({ url: app.url, duration: 2, connections: CONNECTIONS });
      await app.flush(30_000);
    }
    return await fn(apps);
  } finally {
    await Promise.all(Object.values(apps).map((a) => a.close()));
  }
}

export async function saturation(
  svgPath?: string,
): Promise<{ report: string; recommended: number | undefined }> {
  const sink: Sink = await startSink();
  const out: string[] = [];
  const delivery = (concurrency?: number): AppConfig => ({
    framework: 'express',
    variant: 'delivery',
    sinkUrl: sink.url,
    ...(concurrency ? { client: { concurrency } } : {}),
  });
  try {
    // Saturation: bare, ours delivering, fetch per request.
    const main = await withApps(
      {
        bare: { framework: 'express', variant: 'bare' },
        ours: delivery(),
        fetch: { framework: 'express', variant: 'fetch', sinkUrl: sink.url },
        // The sweep's other concurrencies (64, the default, is `ours`).
        ...Object.fromEntries(SWEEP.filter((c) => c !== 64).map((c) => [String(c), delivery(c)])),
      },
      async (apps) => {
        const rounds = await alternate(ROUNDS, {
          bare: () => saturate(apps.bare!, SECONDS),
          ours: () => saturate(apps.ours!, SECONDS),
          fetch: () => saturate(apps.fetch!, SECONDS),
        });
        // Latency at half of bare capacity (the goal) and at a quarter (context), open loop.
        const bareRps = median(rounds.bare.map((r) => r.rps));
        const latency = [];
        for (const share of [0.5, 0.25]) {
          const rate = Math.round(bareRps * share);
          const open = (app: AppProcess) => async () => {
            const r = await openLoad({ url: app.url, rate, duration: SECONDS, warmup: quick ? 0.3 : 1 });
            await app.flush(30_000);
            return r;
          };
          const runs = await alternate(LATENCY_ROUNDS, { bare: open(apps.bare!), ours: open(apps.ours!) });
          latency.push({ share, rate, runs });
        }
        const sweepApp = (c: number) => (c === 64 ? apps.ours! : apps[String(c)]!);
        const sweep = await alternate(
          SWEEP_ROUNDS,
          Object.fromEntries([
            ['bare', () => saturate(apps.bare!, SECONDS)],
            ...SWEEP.map((c) => [String(c), () => saturate(sweepApp(c), SECONDS)]),
          ]) as Record<string, () => Promise<Round>>,
        );
        return { rounds, latency, sweep };
      },
    );
    const { rounds, latency, sweep } = main;
    const bare = summary(rounds.bare, rounds.bare);
    const ours = summary(rounds.ours, rounds.bare);
    const naive = summary(rounds.fetch, rounds.bare);
    const vsFetch = median(rounds.ours.map((r, i) => r.rps / rounds.fetch[i]!.rps));
    out.push(
      `### 3. Saturation with delivery (Express, ${CONNECTIONS} connections, ${ROUNDS} alternated rounds x ${SECONDS} s, sink in its own process)`,
      '',
      '| variant | req/s | vs bare | app CPU µs/req | CPU/req vs bare | events delivered/s | queue growth (events/s) | max queued | dropped | drain after round |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const [name, s] of [
      ['bare', bare],
      ['ours, delivering (concurrency 64)', ours],
      ['fetch per request', naive],
    ] as const) {
      out.push(
        `| ${name} | ${fmt(s.rps)} | ${pct(s.ratio)} | ${fmt(s.cpuPerReq, 1)} | ${fmt(s.cpuRatio, 2)}x | ${name === 'bare' ? '-' : fmt(s.delivered)} | ${name === 'bare' ? '-' : fmt(s.slope)} | ${name === 'bare' ? '-' : fmt(s.maxQueued)} | ${name === 'bare' ? '-' : fmt(s.dropped)} | ${name === 'bare' ? '-' : `${fmt(s.drainMs)} ms`} |`,
      );
    }
    const lastOurs = rounds.ours[rounds.ours.length - 1]!;
    out.push(
      '',
      `Queue depth (client.stats().queued) every ${SAMPLE_MS} ms, last round of ours: ${lastOurs.series.map((p) => fmt(p[1])).join(', ')}`,
      '',
    );
    out.push(
      `Latency under a constant arrival rate (open loop, ${LATENCY_ROUNDS} alternated rounds x ${SECONDS} s, measured from each request's due time):`,
      '',
      '| load | variant | req/s | p50 ms | p99 ms | p99 vs bare |',
      '|---|---|---:|---:|---:|---:|',
    );
    for (const { share, rate, runs } of latency) {
      const ratio = median(runs.ours.map((r, i) => r.p99 / runs.bare[i]!.p99));
      for (const [name, rs] of Object.entries(runs)) {
        out.push(
          `| ${pct(share, 0)} of bare capacity | ${name === 'ours' ? 'ours, delivering' : name} | ${fmt(rate)} | ${fmt(median(rs.map((r) => r.p50)), 2)} | ${fmt(median(rs.map((r) => r.p99)), 2)} | ${name === 'ours' ? `${fmt(ratio, 2)}x` : '1.00x'} |`,
        );
      }
    }
    out.push('');
    const half = latency[0]!.runs;
    const latRatio = median(half.ours.map((r, i) => r.p99 / half.bare[i]!.p99));

    out.push(
      `Client \`concurrency\` sweep (Express, ${SWEEP_ROUNDS} alternated rounds x ${SECONDS} s each):`,
      '',
      '| concurrency | req/s vs bare | CPU/req vs bare | events delivered/s | queue growth (events/s) | max queued | dropped | queue flat |',
      '|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    const flatOnes: number[] = [];
    for (const c of SWEEP) {
      const s = summary(sweep[String(c)]!, sweep.bare!);
      if (s.flat) flatOnes.push(c);
      out.push(
        `| ${c} | ${pct(s.ratio)} | ${fmt(s.cpuRatio, 2)}x | ${fmt(s.delivered)} | ${fmt(s.slope)} | ${fmt(s.maxQueued)} | ${fmt(s.dropped)} | ${s.flat ? 'yes' : 'no'} |`,
      );
    }
    // The default should keep the queue flat: the smallest such concurrency. Throughput differences
    // between flat settings were within run-to-run noise (up to 8 points) in every full run, and
    // every extra connection is a socket held open on the API side.
    const recommended = flatOnes[0];
    out.push(
      '',
      recommended === undefined
        ? '- no concurrency kept the queue flat at full load'
        : `- flat at: ${flatOnes.join(', ')}; the smallest: ${recommended}`,
    );

    if (svgPath) {
      const colors = ['#d62728', '#ff7f0e', '#2ca02c', '#1f77b4', '#9467bd'];
      const last = (c: number) => sweep[String(c)]![sweep[String(c)]!.length - 1]!.series;
      writeFileSync(
        svgPath,
        lineChart({
          title: 'Queue depth at full load, by client concurrency (Express, last round)',
          xLabel: 'seconds into the round',
          yLabel: 'client.stats().queued',
          series: SWEEP.map((c, i) => ({ name: `concurrency ${c}`, color: colors[i]!, points: last(c) })),
        }),
      );
    }

    out.push(
      '',
      goal('ours >= 80% of bare at saturation', ours.ratio >= 0.8, pct(ours.ratio)),
      goal(
        'queue flat at saturation (default concurrency)',
        ours.flat,
        `growth ${fmt(ours.slope)} events/s, ${fmt(ours.dropped)} dropped`,
      ),
      goal('ours >= 3x fetch per request', vsFetch >= 3, `${fmt(vsFetch, 2)}x`),
      goal('p99 at half capacity within 1.2x of bare', latRatio <= 1.2, `${fmt(latRatio, 2)}x`),
    );
    if (!quick && (ours.ratio < 0.8 || !ours.flat)) {
      const top = await profileApp(delivery(), 8, CONNECTIONS);
      out.push('', profileTable('Profile of the Express app delivering at saturation (top self time):', top));
    }
    const report = out.join('\n');
    console.log(`\n${report}`);
    return { report, recommended };
  } finally {
    await sink.close();
  }
}

if (isMain(import.meta.url)) await saturation();
