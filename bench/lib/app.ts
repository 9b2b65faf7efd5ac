// Child-process entry for the app under test (see apps.ts). Config comes in BENCH_APP (JSON).
// Talks to the parent over IPC:
//   -> { type: 'ready', port } | { type: 'unavailable', reason } | { type: 'sample', ... } (every BENCH_SAMPLE_MS;
//      with BENCH_SAMPLE_GC=1 and --expose-gc, each sample also forces a full GC and reports the heap after it)
//   <- { type: 'stats' } -> { type: 'stats', pipeline, memory, cpu, mainCpu, threads }
//   <- { type: 'flush', ms } -> { type: 'flushed', pipeline } (delivers what is queued, bounded by ms)
//   <- { type: 'exit' } (exits cleanly, so --cpu-prof writes its profile)
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { type AppConfig, buildApp, MissingAdapterError } from './apps.js';

const config = JSON.parse(process.env.BENCH_APP ?? '{}') as AppConfig;
const sampleMs = Number(process.env.BENCH_SAMPLE_MS ?? 0);
// Only a heap measured right after a full collection says whether live data grows: between
// collections heapUsed is a sawtooth of garbage tens of MB deep.
const gc = process.env.BENCH_SAMPLE_GC === '1' ? (globalThis as { gc?: () => void }).gc : undefined;
if (process.env.BENCH_SAMPLE_GC === '1' && !gc) throw new Error('BENCH_SAMPLE_GC=1 needs node --expose-gc');
const send = (msg: object) => {
  if (process.connected) process.send?.(msg);
};

process.on('disconnect', () => process.exit(0));

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp(config);
} catch (err) {
  if (!(err instanceof MissingAdapterError)) throw err;
  send({ type: 'unavailable', reason: err.message });
  process.exit(0);
}
const { server, client, pipeline } = app;
if (!server.listening) await once(server, 'listening');
server.keepAliveTimeout = 60_000;
const address = server.address();
send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });

if (sampleMs > 0) {
  const started = Date.now();
  setInterval(() => {
    const m = process.memoryUsage();
    let afterGc: { heapAfterGc: number; rssAfterGc: number } | undefined;
    if (gc) {
      gc();
      const g = process.memoryUsage();
      afterGc = { heapAfterGc: g.heapUsed, rssAfterGc: g.rss };
    }
    send({
      type: 'sample',
      t: Date.now() - started,
      rss: m.rss,
      heapUsed: m.heapUsed,
      ...afterGc,
      ...pipeline(),
    });
  }, sampleMs).unref();
}

process.on('message', async (msg: { type: string; ms?: number }) => {
  if (msg.type === 'stats')
    send({
      type: 'stats',
      pipeline: pipeline(),
      memory: process.memoryUsage(),
      cpu: process.cpuUsage(),
      mainCpu: mainThreadCpu(),
      threads: threadCount(),
    });
  if (msg.type === 'flush') {
    const deadline = Date.now() + (msg.ms ?? 10_000);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
    await Promise.race([client?.flush(), sleep(msg.ms ?? 10_000)]);
    // The fetch variant has no flush(): wait for its requests to settle.
    while (pipeline().inFlight + pipeline().queued > 0 && Date.now() < deadline) await sleep(20);
    send({ type: 'flushed', pipeline: pipeline() });
  }
  if (msg.type === 'exit') {
    server.closeAllConnections?.();
    server.close();
    process.exit(0);
  }
});

/**
 * CPU time of this process's main thread alone (µs), from /proc (Linux; undefined elsewhere):
 * process.cpuUsage() also counts worker threads, GC helpers and the libuv pool. Clock ticks of
 * 10 ms, so only differences over seconds mean anything.
 */
function mainThreadCpu(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/** This process's OS threads (Linux; undefined elsewhere): a worker thread adds one. */
function threadCount(): number | undefined {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return undefined;
  }
}
