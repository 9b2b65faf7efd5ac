import { AuditLedge } from '@auditledge/core';
import { serverConfig } from '@auditledge/example-shared';
import { createApp } from './app.js';

const config = serverConfig();
const client = new AuditLedge(config.apiKey, {
  baseUrl: config.baseUrl,
  onError: (err) => console.error(`[audit] ${err.code}: ${err.message}`),
});
const app = await createApp({ client });

const url = await app.listen({ port: config.port, host: '127.0.0.1' });
console.log(`Fastify example listening on ${url} (audit events to ${config.target})`);

// 5. Graceful shutdown: stop accepting requests, let the open ones finish, then deliver
//    every queued event before exiting.
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
