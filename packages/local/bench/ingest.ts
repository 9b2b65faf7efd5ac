/**
 * Single-process ingestion throughput of @auditledge/local.
 *
 *   pnpm --filter @auditledge/local exec tsx bench/ingest.ts [--seconds 3] [--connections 64] [--memory]
 *
 * Starts `auditledge-local` (src/cli.ts through tsx) in its own process on loopback with a
 * fresh WAL database file, then keeps `--connections` keep-alive requests in flight with an
 * undici Pool for `--seconds` after a short warm-up, and prints accepted events per second.
 * undici is borrowed from @auditledge/core's dependencies, so this package needs no new one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface PoolLike {
  request(options: {
    path: string;
    method: string;
    headers: Record<string, string>;
    body?: string;
  }): Promise<{ statusCode: number; body: { text(): Promise<string>; dump(): Promise<void> } }>;
  close(): Promise<void>;
}

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { Pool } = createRequire(join(packageDir, '../core/package.json'))('undici') as {
  Pool: new (url: string, options: { connections: number; pipelining: number }) => PoolLike;
};

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '0.5' },
    connections: { type: 'string', default: '64' },
    memory: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const apiKey = 'al_bench_ingest_key_0001';
const write = (line: string) => process.stdout.write(`${line}\n`);

async function startServer(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--db', db, '--plan', 'pro', '--api-key', apiKey],
    { cwd: packageDir, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

function body(i: number): string {
  return JSON.stringify({
    actor: { id: `user_${i % 500}`, name: 'Bench User', email: 'bench@example.com' },
    action: 'invoice.updated',
    resource: { type: 'invoice', id: `inv_${i}`, name: `Invoice ${i}` },
    organization_id: `org_${i % 20}`,
    metadata: { field: 'status', old_value: 'draft', new_value: 'sent', ip: '127.0.0.1', status: 200 },
  });
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]?.toFixed(2);
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-bench-'));
  const db = values.memory ? ':memory:' : join(dir, 'bench.db');
  const { child, url } = await startServer(db);
  const pool = new Pool(url, { connections, pipelining: 1 });
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

  let sent = 0;
  let accepted = 0;
  let failed = 0;
  let counting = false;
  let stopped = false;
  const latencies: number[] = [];

  const worker = async () => {
    while (!stopped) {
      const i = sent++;
      const started = performance.now();
      const res = await pool.request({
        path: '/v1/events',
        method: 'POST',
        headers: { ...headers, 'idempotency-key': `bench-${i}` },
        body: body(i),
      });
      await res.body.dump();
      if (!counting) continue;
      if (res.statusCode === 201) accepted++;
      else failed++;
      latencies.push(performance.now() - started);
    }
  };

  const workers = Array.from({ length: connections }, worker);
  await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
  counting = true;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - t0) / 1000;
  stopped = true;
  await Promise.all(workers);

  const usage = await pool.request({ path: '/v1/usage', method: 'GET', headers });
  const stored = JSON.parse(await usage.body.text()).events_this_month as number;
  await pool.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(2);
  // Other work on the machine shares the cores with server and client; the load says how much.
  write(`@auditledge/local ingestion, ${cpus().length} CPUs, Node ${process.version}, load ${loadBefore}`);
  write(`  database      ${values.memory ? ':memory:' : 'file (WAL, synchronous=NORMAL)'}`);
  write(
    `  in flight     ${connections} keep-alive requests (undici Pool), ${seconds}s after ${warmup}s warm-up`,
  );
  write(`  accepted      ${accepted} (failed ${failed}); stored in total ${stored} of ${sent} sent`);
  write(`  latency       p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
  write(`  throughput    ${Math.round(accepted / elapsed)} events/s`);
  if (failed > 0 || stored !== sent) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
