// 7. Reads that cannot hurt ingestion: the local API (own process, SQLite file) holding about
// 1 GiB of maximum-size events (1 MiB each) takes a steady stream of small POST /v1/events
// (open loop: a fixed rate, latency counted from when each request was due) while, in another
// process, @auditledge/core reads it: nothing (idle), exportStream() of the whole 1 GiB again
// and again, or pages of GET /v1/events?limit=200 again and again. Rounds alternate; the
// ratios are ingestion p99 under each read to idle in the same round. Also: the server's RSS
// with 30 clients that start an export and never read it, and what limit=1000 answers.
//
//   pnpm --filter @auditledge/bench exec tsx reads.ts            (full: 1 GiB, 3 rounds x 6 s)
//   pnpm --filter @auditledge/bench exec tsx reads.ts --quick    (CI: 48 MiB, 1 round x 2 s)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { forkTs, nextMessage, stopChild } from './lib/children.js';
import { alternate, goal, isMain, quick } from './lib/run.js';
import { fmt, median, percentile } from './lib/stats.js';

const EVENTS = quick ? 48 : 1024;
const ROUNDS = quick ? 1 : 3;
const SECONDS = quick ? 2 : 6;
const RATE = 200;
const STALLED = 30;
const BLOB = 'x'.repeat(1024 * 1024 - 1024);
const small = JSON.stringify({
  actor: { id: 'user_1', name: 'Alice' },
  action: 'invoice.deleted',
  resource: { type: 'invoice', id: 'inv_456' },
  metadata: { ip: '127.0.0.1', status: 200 },
});

interface Probe {
  p50: number;
  p99: number;
  max: number;
  sent: number;
  errors: number;
}

/** `RATE` small POSTs a second for `seconds`, whatever the answers; latency from due time. */
async function probe(url: string, key: string, seconds: number): Promise<Probe> {
  const pool = new Pool(url, { connections: 16, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const total = RATE * seconds;
  const interval = 1000 / RATE;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let sent = 0; sent < total; sent++) {
    const due = started + sent * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(
      pool
        .request({
          method: 'POST',
          path: '/v1/events',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: small,
        })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode !== 201) errors++;
          latencies.push(performance.now() - due);
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(pending);
  await pool.close();
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: Math.max(...latencies),
    sent: total,
    errors,
  };
}

/** Runs `probe` while a reader child reads in a loop; resolves with both sides' figures. */
async function underRead(url: string, key: string, read: 'export' | 'page') {
  const child = forkTs(fileURLToPath(new URL('./lib/reader.ts', import.meta.url)), {
    env: { BENCH_URL: url, BENCH_KEY: key, READ: read },
  });
  await nextMessage(child, 'started');
  // Let the read get going (the first chunks, the first page) before measuring.
  await sleep(300);
  const result = await probe(url, key, SECONDS);
  const done = nextMessage<{ bytes: number; reads: number }>(child, 'done', 120_000);
  child.send({ type: 'stop' });
  const { bytes, reads } = await done;
  await stopChild(child);
  return { ...result, bytes, reads };
}

async function seed(url: string, key: string): Promise<void> {
  const pool = new Pool(url, { connections: 4 });
  const body = JSON.stringify({
    actor: { id: 'user_1' },
    action: 'document.archived',
    resource: { type: 'document', id: 'doc_1' },
    metadata: { blob: BLOB },
  });
  for (let i = 0; i < EVENTS; i += 4) {
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const res = await pool.request({
          method: 'POST',
          path: '/v1/events',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body,
        });
        await res.body.dump();
        if (res.statusCode !== 201) throw new Error(`seeding: ${res.statusCode}`);
      }),
    );
  }
  await pool.close();
}

/** `STALLED` raw connections that ask for the export and never read a byte of it. */
function stalledReaders(url: string, key: string): Socket[] {
  const { hostname, port } = new URL(url);
  return Array.from({ length: STALLED }, () => {
    const socket = connect(Number(port), hostname);
    socket.pause();
    socket.on('error', () => {});
    socket.write(`GET /v1/events/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`);
    return socket;
  });
}

export async function reads(): Promise<{ report: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-reads-'));
  const server = forkTs(fileURLToPath(new URL('./lib/localServer.ts', import.meta.url)), {
    env: { BENCH_DB: join(dir, 'local.db') },
  });
  const rss = async () => {
    const reply = nextMessage<{ rss: number }>(server, 'rss');
    server.send({ type: 'rss' });
    return (await reply).rss;
  };
  try {
    const { url, apiKey } = await nextMessage<{ url: string; apiKey: string }>(server, 'ready');
    const t0 = performance.now();
    await seed(url, apiKey);
    console.log(`  seeded ${EVENTS} events of 1 MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await probe(url, apiKey, 1); // warm-up

    const results = await alternate(ROUNDS, {
      idle: async () => ({ ...(await probe(url, apiKey, SECONDS)), bytes: 0, reads: 0 }),
      export: () => underRead(url, apiKey, 'export'),
      page: () => underRead(url, apiKey, 'page'),
    });

    // limit=1000 over maximum-size events: a bounded page, never a 500.
    const big = await fetch(`${url}/v1/events?limit=1000&action=document.archived`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const bigText = await big.text();
    const bigPage =
      big.status === 200 ? (JSON.parse(bigText) as { events: unknown[]; limit: number }) : undefined;

    // Clients that never read: the server's RSS before, with them connected, after they leave.
    const rssBefore = await rss();
    const sockets = stalledReaders(url, apiKey);
    await sleep(3000);
    const rssStalled = await rss();
    for (const socket of sockets) socket.destroy();
    await sleep(1000);
    const rssAfter = await rss();

    const idle = results.idle;
    const ratio = (k: 'export' | 'page') => median(results[k].map((r, i) => r.p99 / idle[i]!.p99));
    const exportRatio = ratio('export');
    const exportBytes = median(results.export.map((r) => (r.reads > 0 ? r.bytes / r.reads : r.bytes)));
    const mib = (n: number) => fmt(n / 1024 / 1024, 1);
    const lines = [
      `### 7. Reads against ingestion on the local API (${EVENTS} events of 1 MiB, ${mib(EVENTS * BLOB.length)} MiB; POST at ${RATE}/s open loop; ${ROUNDS} alternated rounds x ${SECONDS} s)`,
      '',
      '| while the reader process does | POST p50 ms | POST p99 ms | p99 vs idle | POST max ms | errors | read |',
      '|---|---:|---:|---:|---:|---:|---|',
    ];
    for (const [name, rs] of Object.entries(results) as Array<[keyof typeof results, Probe[]]>) {
      const extra = results[name] as Array<Probe & { bytes: number; reads: number }>;
      const read =
        name === 'idle'
          ? 'nothing'
          : name === 'export'
            ? `exportStream() json, ${mib(median(extra.map((r) => r.bytes)))} MiB per round`
            : `query({ limit: 200, action }) of 1 MiB events, ${fmt(median(extra.map((r) => r.reads)))} pages per round`;
      lines.push(
        `| ${name} | ${fmt(median(rs.map((r) => r.p50)), 2)} | ${fmt(median(rs.map((r) => r.p99)), 2)} | ${name === 'idle' ? '1.00x' : `${fmt(ratio(name), 2)}x`} | ${fmt(Math.max(...rs.map((r) => r.max)), 1)} | ${rs.reduce((n, r) => n + r.errors, 0)} | ${read} |`,
      );
    }
    lines.push(
      '',
      `- \`GET /v1/events?limit=1000\` over these events: ${big.status}, ${bigPage ? `${bigPage.events.length} events, \`limit\` ${bigPage.limit}, ${mib(bigText.length)} MiB` : bigText.slice(0, 100)}`,
      `- ${STALLED} clients that start an export and never read: server RSS ${mib(rssBefore)} MiB before, ${mib(rssStalled)} MiB with them connected (+${mib(rssStalled - rssBefore)}), ${mib(rssAfter)} MiB after they left`,
      `- one whole export read by \`exportStream()\`: about ${mib(exportBytes)} MiB`,
      '',
      goal(
        'ingestion p99 within 2x of idle while a large export runs',
        exportRatio <= 2,
        `${fmt(exportRatio, 2)}x`,
      ),
      goal(
        'limit=1000 over maximum-size events is a bounded page, not a 500',
        big.status === 200 && bigText.length <= 17 * 1024 * 1024,
        `${big.status}, ${mib(bigText.length)} MiB`,
      ),
      goal(
        `${STALLED} stalled export readers pin less than 64 MiB of server memory`,
        rssStalled - rssBefore < 64 * 1024 * 1024,
        `+${mib(rssStalled - rssBefore)} MiB`,
      ),
    );
    const report = lines.join('\n');
    console.log(`\n${report}`);
    return { report };
  } finally {
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await reads();
