// Latency of an awaited `audit.log()` inside an Express handler, against @auditledge/local on
// loopback: what a request that must not answer before its audit event is stored costs.
// Requests go one at a time over a keep-alive connection, so each figure is one request's
// full time (handler + log round trip). Not part of `all.ts`: it answers one question
// (issue 11: ~1 s before, one round trip after) and is run by hand.
//
//   pnpm --filter @auditledge/bench exec tsx logLatency.ts [requests=200]
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditLedge } from '@auditledge/core';
import { startLocalServer } from '@auditledge/local';
import express from 'express';
import { median, percentile } from './lib/stats.js';

const ms = (n: number) => n.toFixed(2);

const requests = Number(process.argv[2] ?? 200);
const local = await startLocalServer({ port: 0, db: ':memory:' });
const audit = new AuditLedge(local.apiKey, { baseUrl: local.url });

const app = express();
app.delete('/invoices/:id', async (req, res) => {
  await audit.log({
    actor: { id: 'user_1' },
    action: 'invoice.deleted',
    resource: { type: 'invoice', id: req.params.id },
  });
  res.status(204).end();
});
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function one(id: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'DELETE', path: `/invoices/inv_${id}`, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Also the API alone, for the round trip the awaited log() should cost.
const rtt: number[] = [];
for (let i = 0; i < Math.min(requests, 50); i++) {
  const started = performance.now();
  await audit.query({ limit: 1 });
  rtt.push(performance.now() - started);
}
const times: number[] = [];
for (let i = 0; i < requests; i++) times.push(await one(i));
console.log(
  `awaited log() in an Express handler, ${requests} requests one at a time: median ${ms(median(times))} ms, p95 ${ms(percentile(times, 0.95))} ms, max ${ms(Math.max(...times))} ms (API round trip alone, query(): median ${ms(median(rtt))} ms)`,
);
agent.destroy();
server.close();
await audit.shutdown();
await local.close();
