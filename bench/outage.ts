// 5. Outage (Express, default client options): the audited app under constant load (closed
// loop, fixed connections) while the sink goes down for OUTAGE seconds, then comes back on the
// same port. The app samples RSS, heap and the client's counters every second, and the heap
// again right after a forced full GC (node --expose-gc, `gc()`): that second reading is the live
// data, so "memory flat" is measured on it and not on the GC sawtooth. The chart goes
// to bench/outage.svg. At the end: requests/s before, during and after the outage, and the
// accounting: accepted = delivered + dropped (by reason) + queued + in flight, checked against
// what the sink received.
//
//   pnpm bench:outage            (full: 15 s up, 60 s down, 40 s up)
//   pnpm bench:outage --quick    (CI: 2 s up, 2 s down, 2 s up)
//   pnpm bench:outage --spool    (the same with a spool: events beyond the memory cap wait on disk)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaults } from '@auditledge/core';
import { startApp } from './lib/appProcess.js';
import { closedLoad } from './lib/load.js';
import { goal, isMain, quick, type Sink, startSink } from './lib/run.js';
import { fmt, median, pct } from './lib/stats.js';
import { lineChart } from './lib/svg.js';

const BEFORE = quick ? 2 : 15;
const OUTAGE = quick ? 2 : 60;
const AFTER = quick ? 2 : 40;
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const MB = 1024 * 1024;
const SPOOL = process.argv.includes('--spool');

const sleepUntil = (t: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, t - performance.now())));

export async function outage(svgPath?: string, spool = SPOOL): Promise<{ report: string }> {
  let sink: Sink = await startSink();
  const port = sink.port;
  const spoolRoot = spool ? mkdtempSync(join(tmpdir(), 'auditledge-bench-spool-')) : undefined;
  const app = await startApp(
    {
      framework: 'express',
      variant: 'delivery',
      sinkUrl: sink.url,
      ...(spoolRoot ? { spoolDir: join(spoolRoot, 'spool') } : {}),
    },
    { sampleMs: 1000, gcSamples: true },
  );
  const out: string[] = [];
  try {
    await closedLoad({ url: app.url, duration: quick ? 0.3 : 3, connections: CONNECTIONS });
    await app.flush(30_000);
    const base = await app.stats();

    const start = performance.now();
    const load = closedLoad({ url: app.url, duration: BEFORE + OUTAGE + AFTER, connections: CONNECTIONS });
    await sleepUntil(start + BEFORE * 1000);
    const receivedBefore = await sink.crash();
    const down = (performance.now() - start) / 1000;
    await sleepUntil(start + (BEFORE + OUTAGE) * 1000);
    sink = await startSink(port);
    const up = (performance.now() - start) / 1000;
    const result = await load;
    const loadEnd = (performance.now() - start) / 1000;
    // Whatever is left is given time to go out: the backoff after a long outage can be up to
    // maxRetryDelay before the first probe finds the sink again.
    const flushStart = performance.now();
    const final = await app.flush(defaults.maxRetryDelay + 15_000);
    const flushMs = performance.now() - flushStart;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // one more sample after the flush
    const receivedAfter = await sink.received();

    const samples = app.samples.filter((s) => s.at >= start).map((s) => ({ ...s, x: (s.at - start) / 1000 }));
    const perSecond = result.perSecond;
    // perSecond[k] counts the requests of second k..k+1; a phase takes the whole seconds inside it.
    const phase = (from: number, to: number) =>
      median(perSecond.filter((_, k) => k >= Math.round(from) && k + 1 <= Math.round(to)));
    const rpsBefore = phase(0, down);
    const rpsDuring = phase(down, up);
    const rpsAfter = phase(up, loadEnd);

    const inOutage = samples.filter((s) => s.x >= down && s.x <= up);
    // Flat means: the last third of the outage sits no higher than the middle third, on the heap
    // measured after a forced full GC (heap used between collections is a sawtooth tens of MB
    // deep, which a median over a few dozen samples does not cancel). The forced GC costs the
    // app a pause per sample in every phase alike.
    const third = (k: number) =>
      inOutage.filter((s) => s.x >= down + (OUTAGE * k) / 3 && s.x < down + (OUTAGE * (k + 1)) / 3);
    const growth = (pick: (s: (typeof samples)[number]) => number) =>
      median(third(2).map(pick)) / median(third(1).map(pick)) - 1;
    const heapGrowth = growth((s) => s.heapAfterGc ?? Number.NaN);
    const rssGrowth = growth((s) => s.rssAfterGc ?? Number.NaN);
    const sawtoothGrowth = growth((s) => s.heapUsed);
    const beforeSamples = samples.filter((s) => s.x < down);
    const rssBefore = Math.max(...beforeSamples.map((s) => s.rss)) / MB;
    const rssPeak = Math.max(...inOutage.map((s) => s.rss)) / MB;
    const maxQueued = Math.max(...inOutage.map((s) => s.queued));
    const recovered = samples.find((s) => s.x > up && s.queued === 0);

    const p = final;
    const accepted = p.accepted - base.pipeline.accepted;
    const delivered = p.delivered - base.pipeline.delivered;
    const droppedBy = Object.fromEntries(
      Object.entries(p.droppedByReason).map(([k, v]) => [k, v - (base.pipeline.droppedByReason[k] ?? 0)]),
    );
    const dropped = Object.values(droppedBy).reduce((a, b) => a + b, 0);
    const unexplained = accepted - delivered - dropped - p.queued - p.inFlight;
    const received = receivedBefore + receivedAfter - base.pipeline.delivered;
    const answered = result.total - result.errors;

    const variant = spool
      ? 'default client options + `spool: { dir }` (defaults: 256 MiB, fsync interval)'
      : 'default client options';
    out.push(
      `### 5${spool ? 'b' : ''}. Outage (Express, ${variant}, ${CONNECTIONS} connections: ${BEFORE} s up, ${OUTAGE} s down, ${AFTER} s up)`,
      '',
      '| phase | req/s (median of 1 s buckets) | vs before |',
      '|---|---:|---:|',
      `| before (sink up) | ${fmt(rpsBefore)} | 100.0% |`,
      `| outage (sink down) | ${fmt(rpsDuring)} | ${pct(rpsDuring / rpsBefore)} |`,
      `| after (sink back, backlog draining) | ${fmt(rpsAfter)} | ${pct(rpsAfter / rpsBefore)} |`,
      '',
      `Memory: RSS ${fmt(rssBefore, 1)} MB before (peak), ${fmt(rssPeak, 1)} MB peak during the outage; ` +
        `after a forced GC each second, median RSS ${pct(rssGrowth)} and median heap ${pct(heapGrowth)} from the middle to the last third of the outage ` +
        `(heap before that GC, the sawtooth: ${pct(sawtoothGrowth)}); ` +
        `queue peaked at ${fmt(maxQueued)} (cap ${fmt(defaults.maxQueueSize)}${spool ? ' in memory; the rest waited in the spool' : ''}).`,
      '',
      'Accounting (events since the measured run started):',
      '',
      '| accepted | delivered | dropped: queue_full | dropped: other | queued | in flight | unexplained |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      `| ${fmt(accepted)} | ${fmt(delivered)} | ${fmt(droppedBy.queue_full ?? 0)} | ${fmt(dropped - (droppedBy.queue_full ?? 0))} | ${fmt(p.queued)} | ${fmt(p.inFlight)} | ${fmt(unexplained)} |`,
      '',
      `The sink received ${fmt(received)} events (${fmt(received - delivered)} more than delivered${received > delivered ? ': answers lost when it went down, sent again with the same Idempotency-Key' : ''}). ` +
        `The app answered ${fmt(answered)} requests counted by autocannon (+${fmt(accepted - answered)} still in flight when the load stopped). ` +
        `The queue was empty again ${recovered ? `${fmt(recovered.x - up, 0)} s after the sink came back` : 'only after the load stopped'} ` +
        `(flush after the load: ${fmt(flushMs / 1000, 1)} s); drops by reason: ${JSON.stringify(droppedBy)}.`,
      '',
      spool
        ? goal(
            'zero drops with a spool, memory flat',
            dropped === 0 && heapGrowth < 0.1 && rssGrowth < 0.1,
            `${fmt(dropped)} dropped, ${fmt(maxQueued)} events queued at the peak; middle to last third of the outage, after a forced GC: RSS ${pct(rssGrowth)}, heap ${pct(heapGrowth)} (goal < 10%)`,
          )
        : goal(
            'memory flat at the queue cap',
            maxQueued >= defaults.maxQueueSize * 0.99 && heapGrowth < 0.1 && rssGrowth < 0.1,
            `queue ${fmt(maxQueued)} of ${fmt(defaults.maxQueueSize)}; middle to last third of the outage, after a forced GC: RSS ${pct(rssGrowth)}, heap ${pct(heapGrowth)} (goal < 10%)`,
          ),
      goal(
        'app throughput unchanged during the outage',
        rpsDuring >= 0.95 * rpsBefore,
        pct(rpsDuring / rpsBefore),
      ),
      goal(
        'zero unexplained losses',
        unexplained === 0 && received >= delivered && p.queued + p.inFlight === 0,
        `${fmt(unexplained)} unexplained, ${fmt(p.queued + p.inFlight)} still pending, sink got ${fmt(received)} >= delivered ${fmt(delivered)}`,
      ),
    );

    if (svgPath) {
      writeFileSync(
        svgPath,
        lineChart({
          title: `Express + @auditledge under load, sink down for ${OUTAGE} s (sampled every second)`,
          xLabel: 'seconds',
          yLabel: 'MB',
          yRightLabel: 'events',
          bands: [{ from: down, to: up, label: 'sink down' }],
          series: [
            { name: 'RSS', color: '#1f77b4', points: samples.map((s) => [s.x, s.rss / MB]) },
            { name: 'heap used', color: '#98df8a', points: samples.map((s) => [s.x, s.heapUsed / MB]) },
            {
              name: 'heap after GC',
              color: '#2ca02c',
              points: samples.flatMap(
                (s): Array<[number, number]> =>
                  s.heapAfterGc === undefined ? [] : [[s.x, s.heapAfterGc / MB]],
              ),
            },
            { name: 'queued', color: '#d62728', right: true, points: samples.map((s) => [s.x, s.queued]) },
            {
              name: 'req/s',
              color: '#999999',
              right: true,
              points: perSecond.map((n, i) => [i + 1, n]),
            },
          ],
        }),
      );
    }
    const report = out.join('\n');
    console.log(`\n${report}`);
    return { report };
  } finally {
    await app.close();
    await sink.close();
    if (spoolRoot) rmSync(spoolRoot, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url))
  await outage(
    quick ? undefined : new URL(SPOOL ? './outage-spool.svg' : './outage.svg', import.meta.url).pathname,
  );
