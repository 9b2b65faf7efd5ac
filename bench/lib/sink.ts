// A trivial Auditledge sink for benchmarks: answers every POST /v1/events with a 201
// and a small stored event, counting what it received. Runs in its own process so
// it does not share an event loop with the code being measured.
import { createServer } from 'node:http';

const reply = JSON.stringify({
  success: true,
  event: {
    id: '00000000-0000-4000-8000-000000000000',
    timestamp: '2026-01-01T00:00:00.000Z',
    actor_id: 'u',
    actor_name: null,
    actor_email: null,
    action: 'invoice.deleted',
    resource_type: 'invoice',
    resource_id: 'inv_1',
    resource_name: null,
    metadata: null,
    organization_id: null,
    api_key_id: 'k',
  },
});
let received = 0;
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    received++;
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    res.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (msg: string | { type: string }) => {
  if (msg === 'count') process.send?.({ type: 'count', received });
  // Goes down the way a crash looks from outside (open connections cut, new ones refused),
  // but reports its final count first, so nothing it received goes unaccounted.
  if (typeof msg === 'object' && msg.type === 'crash') {
    server.close();
    server.closeAllConnections();
    process.send?.({ type: 'crashed', received }, () => process.exit(0));
  }
  if (typeof msg === 'object' && msg.type === 'exit') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
