// Child-process entry: @auditledge/local's startLocalServer on the SQLite file in BENCH_DB
// (or ':memory:'), on a plan without a monthly cap, so ingestion is never answered 429.
//   -> { type: 'ready', url, apiKey }    <- { type: 'exit' }
//   -> { type: 'rss', rss }              <- { type: 'rss' }   (this process's RSS, bytes)
import { startLocalServer } from '@auditledge/local';

const local = await startLocalServer({ port: 0, db: process.env.BENCH_DB ?? ':memory:', plan: 'pro' });
process.send?.({ type: 'ready', url: local.url, apiKey: local.apiKey });
const exit = async () => {
  await local.close();
  process.exit(0);
};
process.on('message', (msg: { type?: string }) => {
  if (msg?.type === 'exit') void exit();
  if (msg?.type === 'rss') process.send?.({ type: 'rss', rss: process.memoryUsage().rss });
});
process.on('disconnect', () => process.exit(0));
