// Child-process entry for bench/reads.ts: reads the local API in a loop until told to stop,
// through @auditledge/core, so the reading's CPU is not the load generator's.
// READ=export: exportStream({ format: 'json' }) into a discarding Writable, again and again.
// READ=page:   GET /v1/events?limit=200&action=document.archived (query(): the 1 MiB events), again and again.
//   -> { type: 'started' } once the first read began, { type: 'done', bytes, reads } at stop
//   <- { type: 'stop' }
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AuditLedge } from '@auditledge/core';

const audit = new AuditLedge(process.env.BENCH_KEY, { baseUrl: process.env.BENCH_URL, timeout: 120_000 });
let stopping = false;
let bytes = 0;
let reads = 0;
let current: AbortController | undefined;
process.on('message', (msg: { type?: string }) => {
  if (msg?.type !== 'stop') return;
  stopping = true;
  current?.abort();
});
process.on('disconnect', () => process.exit(0));

process.send?.({ type: 'started' });
while (!stopping) {
  current = new AbortController();
  try {
    if (process.env.READ === 'page') {
      const page = await audit.query({ limit: 200, action: 'document.archived' });
      bytes += JSON.stringify(page.events).length;
    } else {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          callback();
        },
      });
      await pipeline(audit.exportStream({ format: 'json', signal: current.signal }), sink);
    }
    reads++;
  } catch (err) {
    if (!stopping) throw err;
  }
}
process.send?.({ type: 'done', bytes, reads });
await audit.shutdown({ timeout: 0 });
process.exit(0);
