import { AuditLedge } from '@auditledge/core';
import { serverConfig } from '@auditledge/example-shared';
import { createApp } from './app.js';

const config = serverConfig();
const client = new AuditLedge(config.apiKey, {
  baseUrl: config.baseUrl,
  onError: (err) => console.error(`[audit] ${err.code}: ${err.message}`),
});
const app = createApp({ client });

const server = app.listen(config.port, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`Express example listening on http://127.0.0.1:${port} (audit events to ${config.target})`);
});

// 5. Graceful shutdown: stop accepting requests, let the open ones finish, then deliver
//    every queued event before exiting.
let stopping = false;
function shutdown(signal: NodeJS.Signals): void {
  if (stopping) process.exit(1); // a second Ctrl-C: do not wait any longer
  stopping = true;
  console.log(`${signal}: closing`);
  server.close(async () => {
    const report = await client.shutdown({ timeout: 10_000 });
    console.log(`audit events delivered: ${report.delivered}, not delivered: ${report.pending}`);
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
