// 10. Delivery on a worker thread (issue 18 goal 2): the same app bare, audited with in-thread
// delivery (`delivery: 'thread'`) and audited with `delivery: 'worker'` (queue, HTTP pool, retries
// on a worker thread; the app's thread validates, serialises and hands over), every event delivered
// to a loopback sink in its own process. Alternated rounds at saturation (closed loop) give req/s,
// the app's main-thread CPU (from /proc, so the worker's own CPU is not in it) per request and per
// delivered event, and the whole process's CPU per request; then p99 latency at half of bare's
// capacity (open loop, alternated); then every app's counters after a last flush.
//
// After every round the app delivers its backlog (outside the timed part, inside the per-event CPU),
// so no round pays for the previous one's leftovers.
//
//   pnpm bench:worker                        (full: 5 rounds x 5 s; latency 3 x 5 s)
//   pnpm bench:worker --quick                (CI: 1 round x 1 s each)
//   cd bench && npx tsx worker.ts [rounds] [seconds]
//   FRAMEWORK=koa pnpm bench:worker          (any of bench/lib/apps.ts's frameworks; default express)
import os from 'node:os';
import { type AppProcess, type AppStats, startApp } from './lib/appProcess.js';
import type { AppConfig, Framework } from './lib/apps.js';
import { closedLoad, openLoad } from './lib/load.js';
import { alternate, goal, isMain, quick, type Sink, startSink } from './lib/run.js';
import { fmt, median, pct } from './lib/stats.js';

const main = isMain(import.meta.url);
// Positional [rounds] [seconds] only when run on its own: under all.ts argv is all.ts's.
const args = main ? process.argv.slice(2).filter((a) => !a.startsWith('--')) : [];
const ROUNDS = Number(args[0] ?? (quick ? 1 : 5));
const SECONDS = Number(args[1] ?? (quick ? 1 : 5));
const LATENCY_ROUNDS = Math.max(1, Math.min(3, ROUNDS));
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const FRAMEWORK = (process.env.FRAMEWORK ?? 'express') as Framework;

type Name = 'bare' | 'in-thread' | 'worker';
const label: Record<Name, string> = {
  bare: 'bare',
  'in-thread': "ours, `delivery: 'thread'`",
  worker: "ours, `delivery: 'worker'`",
};

interface Round {
  rps: number;
  /** Responses in the timed part. */
  requests: number;
  /** Process CPU per request, µs (main thread, worker, GC helpers). */
  cpuPerReq: number;
  /** Main-thread CPU per request, µs, over the timed part. */
  mainPerReq: number;
  /** Main-thread CPU from the round's start to the end of its flush, µs. */
  mainTotal: number;
  /** Events accepted and delivered from the round's start to the end of its flush. */
  accepted: number;
  delivered: number;
  dropped: number;
}

const cpuOf = (s: AppStats) => s.cpu.user + s.cpu.system;
const mainOf = (s: AppStats) => s.mainCpu ?? Number.NaN;

async function saturate(app: AppProcess): Promise<Round> {
  const before = await app.stats();
  const r = await closedLoad({ url: app.url, duration: SECONDS, connections: CONNECTIONS });
  const after = await app.stats();
  await app.flush(30_000);
  const flushed = await app.stats();
  if (r.errors > 0) console.error(`  ${r.errors} errors`);
  const requests = Math.max(1, r.total);
  return {
    rps: r.rps,
    requests,
    cpuPerReq: (cpuOf(after) - cpuOf(before)) / requests,
    mainPerReq: (mainOf(after) - mainOf(before)) / requests,
    mainTotal: mainOf(flushed) - mainOf(before),
    accepted: flushed.pipeline.accepted - before.pipeline.accepted,
    delivered: flushed.pipeline.delivered - before.pipeline.delivered,
    dropped: flushed.pipeline.dropped - before.pipeline.dropped,
  };
}

/**
 * Main-thread µs an audited request adds per delivered event: its round's main-thread time through
 * the flush, less bare's per-request time (same round) for each of its requests. Issue 18 puts this
 * at about 35 µs in-thread (adapter, serialising and one HTTP request per event).
 */
const mainOverBare = (r: Round, bare: Round) =>
  (r.mainTotal - bare.mainPerReq * r.accepted) / Math.max(1, r.delivered);

export async function worker(): Promise<{ report: string }> {
  const sink: Sink = await startSink();
  const configs: Record<Name, AppConfig> = {
    bare: { framework: FRAMEWORK, variant: 'bare' },
    'in-thread': { framework: FRAMEWORK, variant: 'delivery', sinkUrl: sink.url, delivery: 'thread' },
    worker: { framework: FRAMEWORK, variant: 'delivery', sinkUrl: sink.url, delivery: 'worker' },
  };
  const names = Object.keys(configs) as Name[];
  const apps = {} as Record<Name, AppProcess>;
  try {
    const started = await Promise.allSettled(names.map((n) => startApp(configs[n])));
    started.forEach((s, i) => {
      if (s.status === 'fulfilled') apps[names[i]!] = s.value;
    });
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    for (const app of quick ? [] : Object.values(apps)) {
      await closedLoad({ url: app.url, duration: 2, connections: CONNECTIONS });
      await app.flush(30_000);
    }

    const rounds = await alternate<Name, Round>(ROUNDS, {
      bare: () => saturate(apps.bare),
      'in-thread': () => saturate(apps['in-thread']),
      worker: () => saturate(apps.worker),
    });
    const bare = rounds.bare;
    const inThread = rounds['in-thread'];
    const bareRps = median(bare.map((r) => r.rps));
    const rate = Math.round(bareRps / 2);
    const open = (app: AppProcess) => async () => {
      const r = await openLoad({ url: app.url, rate, duration: SECONDS, warmup: quick ? 0.3 : 1 });
      await app.flush(30_000);
      return r;
    };
    const latency = await alternate(LATENCY_ROUNDS, {
      bare: open(apps.bare),
      'in-thread': open(apps['in-thread']),
      worker: open(apps.worker),
    });
    const final = {} as Record<Name, AppStats>;
    for (const n of names) {
      await apps[n].flush(30_000);
      final[n] = await apps[n].stats();
    }
    const sinkGot = await sink.received();

    const out: string[] = [
      `### 10. Delivery on a worker thread (issue 18 goal 2: \`delivery: 'worker'\`; ${FRAMEWORK}, ${CONNECTIONS} connections, ${ROUNDS} alternated rounds x ${SECONDS} s at saturation, sink in its own process)`,
      '',
      "Main-thread CPU is the app's main thread alone (`/proc/self/task/<pid>/stat`, 10 ms ticks); process CPU",
      'includes the worker. Per delivered event: main-thread time from the start of a round to the end of its',
      "flush, less bare's per-request time of the same round, over the events delivered. Medians; ratios are",
      'medians of per-round ratios.',
      '',
      '| variant | req/s | vs bare | vs in-thread | main-thread CPU µs/req | process CPU µs/req | process CPU/req vs bare | main-thread µs per delivered event, over bare | vs in-thread | events delivered/s |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ];
    for (const n of names) {
      const rs = rounds[n];
      const audited = n !== 'bare';
      const over = rs.map((r, i) => mainOverBare(r, bare[i]!));
      const overInThread = over.map((o, i) => o / mainOverBare(inThread[i]!, bare[i]!));
      out.push(
        `| ${label[n]} | ${fmt(median(rs.map((r) => r.rps)))} | ${pct(median(rs.map((r, i) => r.rps / bare[i]!.rps)))} | ${
          audited ? pct(median(rs.map((r, i) => r.rps / inThread[i]!.rps))) : '-'
        } | ${fmt(median(rs.map((r) => r.mainPerReq)), 1)} | ${fmt(median(rs.map((r) => r.cpuPerReq)), 1)} | ${fmt(
          median(rs.map((r, i) => r.cpuPerReq / bare[i]!.cpuPerReq)),
          2,
        )}x | ${audited ? fmt(median(over), 1) : '-'} | ${audited ? `${fmt(median(overInThread), 2)}x` : '-'} | ${
          audited ? fmt(median(rs.map((r) => r.delivered / SECONDS))) : '-'
        } |`,
      );
    }

    const bareP99 = latency.bare;
    out.push(
      '',
      `Latency at half of bare capacity (open loop, ${fmt(rate)} req/s, ${LATENCY_ROUNDS} alternated rounds x ${SECONDS} s, measured from each request's due time):`,
      '',
      '| variant | req/s | p50 ms | p99 ms | p99 vs bare |',
      '|---|---:|---:|---:|---:|',
      ...names.map((n) => {
        const rs = latency[n];
        return `| ${label[n]} | ${fmt(median(rs.map((r) => r.rps)))} | ${fmt(median(rs.map((r) => r.p50)), 2)} | ${fmt(
          median(rs.map((r) => r.p99)),
          2,
        )} | ${fmt(median(rs.map((r, i) => r.p99 / bareP99[i]!.p99)), 2)}x |`;
      }),
    );

    const undelivered = (s: AppStats) => s.pipeline.accepted - s.pipeline.delivered - s.pipeline.dropped;
    out.push(
      '',
      'Every app over the whole run (warm-up, saturation and latency rounds), after a last flush:',
      '',
      '| variant | accepted | delivered | dropped | neither, after flush | OS threads |',
      '|---|---:|---:|---:|---:|---:|',
      ...names.map((n) => {
        const s = final[n];
        const audited = n !== 'bare';
        return `| ${label[n]} | ${audited ? fmt(s.pipeline.accepted) : '-'} | ${audited ? fmt(s.pipeline.delivered) : '-'} | ${
          audited ? fmt(s.pipeline.dropped) : '-'
        } | ${audited ? fmt(undelivered(s)) : '-'} | ${s.threads ?? 'n/a'} |`;
      }),
    );
    const delivered = final['in-thread'].pipeline.delivered + final.worker.pipeline.delivered;
    out.push(
      '',
      `- the sink received ${fmt(sinkGot)} events; the two apps count ${fmt(delivered)} delivered${
        sinkGot < delivered ? ' (**fewer received than delivered**)' : ''
      }`,
    );

    // A core without the worker mode ignores the option and delivers in-thread: its numbers would
    // pass for the worker's. A worker is one more OS thread than the same app delivering in-thread.
    const workerThreads = final.worker.threads;
    const threadThreads = final['in-thread'].threads;
    const active =
      workerThreads === undefined || threadThreads === undefined ? undefined : workerThreads > threadThreads;
    if (active === false) {
      out.push(
        `- **the worker variant ran in-thread**: its app has ${workerThreads} OS threads, in-thread's ${threadThreads}: this build of @auditledge/core ignores \`delivery: 'worker'\`, so its rows measure in-thread delivery`,
      );
    }
    const vsThread = rounds.worker.map((r, i) => r.rps / inThread[i]!.rps);
    const wins = median(vsThread) > 1;
    out.push(
      `- saturation, the issue's condition${active === false ? ' (says nothing in this run: the worker did not run)' : ''} for making it the default: \`delivery: 'worker'\` at ${pct(median(vsThread))} of in-thread req/s (rounds ${pct(Math.min(...vsThread))} to ${pct(Math.max(...vsThread))}): ${
        wins ? 'ahead' : 'not ahead'
      } on this ${os.cpus().length}-core machine`,
    );
    const over = (n: Name) => median(rounds[n].map((r, i) => mainOverBare(r, bare[i]!)));
    const lost = (n: Name) => final[n].pipeline.dropped + undelivered(final[n]);
    out.push(
      '',
      goal(
        "delivery: 'worker': less main-thread CPU per delivered event than in-thread",
        active !== false && over('worker') < over('in-thread'),
        `${fmt(over('worker'), 1)} vs ${fmt(over('in-thread'), 1)} µs over bare${
          active === false ? '; the worker variant ran in-thread' : ''
        }`,
      ),
      goal(
        'no event dropped or left undelivered after flush, in-thread and worker',
        lost('in-thread') === 0 && lost('worker') === 0 && sinkGot >= delivered,
        `in-thread ${fmt(lost('in-thread'))}, worker ${fmt(lost('worker'))} of ${fmt(
          final['in-thread'].pipeline.accepted + final.worker.pipeline.accepted,
        )}; sink got ${fmt(sinkGot)} >= delivered ${fmt(delivered)}`,
      ),
    );
    const report = out.join('\n');
    console.log(`\n${report}`);
    return { report };
  } finally {
    await Promise.all(Object.values(apps).map((a) => a.close()));
    await sink.close();
  }
}

if (main) await worker();
