// 6. The local API's ingestion rate: many concurrent keep-alive clients POSTing events to
// @auditledge/local (startLocalServer on a temp SQLite file, in its own process), side by side
// with the same server on ':memory:' and with a trivial 201 server (bench/lib/sink.ts: the
// ceiling of this machine's HTTP stack). Every request has its own Idempotency-Key, as the
// client sends, so each one is a new row.
//
//   pnpm bench:ingest            (full: 5 rounds x 3 s, 32 connections)
//   pnpm bench:ingest --quick    (CI: 1 round x 1 s)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkTs, nextMessage, stopChild } from './lib/children.js';
import { closedLoad } from './lib/load.js';
import { alternate, goal, isMain, quick, startSink } from './lib/run.js';
import { fmt, median, pct } from './lib/stats.js';

const ROUNDS = quick ? 1 : 5;
const SECONDS = quick ? 1 : 3;
const CONNECTIONS = 32;
const body = JSON.stringify({
  actor: { id: 'user_1', name: 'Alice', email: 'alice@example.com' },
  action: 'invoice.deleted',
  resource: { type: 'invoice', id: 'inv_456' },
  metadata: {
    ip: '127.0.0.1',
    method: 'DELETE',
    route: '/invoices/:id',
    path: '/invoices/inv_456',
    status: 200,
  },
});

async function startLocal(db: string) {
  const child = forkTs(fileURLToPath(new URL('./lib/localServer.ts', import.meta.url)), {
    env: { BENCH_DB: db },
  });
  const ready = await nextMessage<{ url: string; apiKey: string }>(child, 'ready');
  return { ...ready, close: () => stopChild(child) };
}

export async function ingest(): Promise<{ report: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-ingest-'));
  const file = await startLocal(join(dir, 'local.db'));
  const memory = await startLocal(':memory:');
  const sink = await startSink();
  const accepted = { file: 0, runs: 0 };
  try {
    const run = (url: string, apiKey: string, seconds: number, count?: (n: number) => void) => async () => {
      const r = await closedLoad({
        url,
        method: 'POST',
        path: '/v1/events',
        body,
        connections: CONNECTIONS,
        duration: seconds,
        headers: { authorization: `Bearer ${apiKey}` },
        perRequest: () => ({ 'idempotency-key': randomUUID() }),
      });
      if (r.errors > 0) console.error(`  ingest: ${r.errors} errors at ${url}`);
      count?.(r.total - r.errors);
      return r;
    };
    const count = (n: number) => {
      accepted.file += n;
      accepted.runs++;
    };
    // Warm-up (the file server's rows count too: they are checked against /v1/usage below).
    await run(file.url, file.apiKey, quick ? 0.5 : 2, count)();
    await run(memory.url, memory.apiKey, quick ? 0.5 : 2)();
    await run(sink.url, 'al_x', quick ? 0.5 : 2)();
    const results = await alternate(ROUNDS, {
      'local, SQLite file': run(file.url, file.apiKey, SECONDS, count),
      'local, :memory:': run(memory.url, memory.apiKey, SECONDS),
      'trivial 201 server (ceiling)': run(sink.url, 'al_x', SECONDS),
    });
    const usage = (await (
      await fetch(`${file.url}/v1/usage`, { headers: { authorization: `Bearer ${file.apiKey}` } })
    ).json()) as { events_this_month: number };

    const ceiling = results['trivial 201 server (ceiling)'];
    const lines = [
      `### 6. Local API ingestion (POST /v1/events, ${CONNECTIONS} keep-alive connections, ${ROUNDS} alternated rounds x ${SECONDS} s)`,
      '',
      '| server | events/s | vs trivial server | p99 ms |',
      '|---|---:|---:|---:|',
    ];
    for (const [name, rs] of Object.entries(results)) {
      const ratio = median(rs.map((r, i) => r.rps / ceiling[i]!.rps));
      lines.push(
        `| ${name} | ${fmt(median(rs.map((r) => r.rps)))} | ${pct(ratio)} | ${fmt(median(rs.map((r) => r.p99)), 2)} |`,
      );
    }
    // autocannon stops with up to one request per connection in flight: the server stores
    // those, but their 201s are never counted here.
    const extra = usage.events_this_month - accepted.file;
    lines.push(
      '',
      goal(
        'every 201 from the file server is a stored event',
        extra >= 0 && extra <= CONNECTIONS * accepted.runs,
        `${fmt(accepted.file)} answered 201; /v1/usage counts ${fmt(usage.events_this_month)}, ` +
          `${fmt(extra)} more, sent when load stopped, at most ${CONNECTIONS} per run`,
      ),
    );
    const report = lines.join('\n');
    console.log(`\n${report}`);
    return { report };
  } finally {
    await Promise.all([file.close(), memory.close(), sink.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await ingest();
