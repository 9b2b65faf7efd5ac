import type { Pipeline } from './deliveryQueue.js';
import { raceTimeout } from './timeouts.js';
import type { Transport } from './transport.js';
import type { Logger, ShutdownReport } from './types.js';

/**
 * `shutdown()`'s work: delivers what it can within `timeout` ms, stops the queue, closes the
 * transport, and reports what is left.
 */
export async function drainAndStop(
  queue: Pipeline,
  transport: Transport,
  logger: Logger | undefined,
  timeout: number,
): Promise<ShutdownReport> {
  // Nothing can be delivered while paused by a 401/429: hand the events back at once.
  if (!queue.paused) await raceTimeout(queue.flush(), timeout);
  const undelivered = queue.stop();
  try {
    await (undelivered.length > 0 ? transport.destroy?.() : transport.close?.());
  } catch (err) {
    logger?.warn?.({ err }, 'auditledge: closing the transport failed');
  }
  const stats = queue.stats();
  // The same vocabulary as stats(): `dropped` is dropped.total (shutdown leftovers included),
  // `pending` is dropped.shutdown, the part of it this shutdown gave up on.
  return {
    delivered: stats.delivered,
    dropped: stats.dropped.total,
    pending: undelivered.length,
    undelivered,
  };
}
