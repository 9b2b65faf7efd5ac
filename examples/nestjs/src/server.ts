import { AuditLedge } from '@auditledge/core';
import { serverConfig } from '@auditledge/example-shared';
import { createApp } from './app.js';

const config = serverConfig();
const client = new AuditLedge(config.apiKey, {
  baseUrl: config.baseUrl,
  onError: (err) => console.error(`[audit] ${err.code}: ${err.message}`),
});
const app = await createApp({ client });

await app.listen(config.port, '127.0.0.1');
const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
console.log(`NestJS example listening on ${url} (audit events to ${config.target})`);

// 5. Graceful shutdown: app.close() stops accepting requests, lets the open ones finish and
//    flushes the client (the module's onApplicationShutdown); the client is ours, so we shut it
//    down after, delivering every queued event before exiting.
//    (With a client the module creates itself, `app.enableShutdownHooks()` does all of this.)
let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) process.exit(1); // a second Ctrl-C: do not wait any longer
  stopping = true;
  console.log(`${signal}: closing`);
  await app.close();
  const report = await client.shutdown({ timeout: 10_000 });
  console.log(`audit events delivered: ${report.delivered}, not delivered: ${report.pending}`);
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
