// Child-process entry for the app under test (see apps.ts). Config comes in BENCH_APP (JSON).
// Talks to the parent over IPC:
//   -> { type: 'ready', port } | { type: 'unavailable', reason } | { type: 'sample', ... } (every BENCH_SAMPLE_MS)
//   <- { type: 'stats' } -> { type: 'stats', pipeline, memory }
//   <- { type: 'flush', ms } -> { type: 'flushed', pipeline } (delivers what is queued, bounded by ms)
//   <- { type: 'exit' } (exits cleanly, so --cpu-prof writes its profile)
import { once } from 'node:events';
import { type AppConfig, buildApp, MissingAdapterError } from './apps.js';

const config = JSON.parse(process.env.BENCH_APP ?? '{}') as AppConfig;
const sampleMs = Number(process.env.BENCH_SAMPLE_MS ?? 0);
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
    send({ type: 'sample', t: Date.now() - started, rss: m.rss, heapUsed: m.heapUsed, ...pipeline() });
  }, sampleMs).unref();
}

process.on('message', async (msg: { type: string; ms?: number }) => {
  if (msg.type === 'stats')
    send({ type: 'stats', pipeline: pipeline(), memory: process.memoryUsage(), cpu: process.cpuUsage() });
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
