import type { QueuedEvent } from './deliveryQueue.js';
import type { RequestHeaders } from './headers.js';
import type { RequestLabel } from './httpError.js';
import { classifyResponse, networkError, type Outcome } from './outcome.js';
import type { Transport, TransportRequest } from './transport.js';

/**
 * One delivery attempt of one event (`POST /v1/events`), as the queue's `deliver` hook: on the
 * app's thread in-thread, on the delivery worker with `delivery: 'worker'`. Never rejects.
 * `secrets()` are the keys to keep out of error messages (the current and every former one).
 */
export function eventSender(
  transport: Transport,
  headers: RequestHeaders,
  timeout: number,
  label: RequestLabel,
  secrets: () => readonly string[],
): (event: QueuedEvent) => Promise<Outcome> {
  return (event) => {
    const request: TransportRequest = {
      method: 'POST',
      path: '/v1/events',
      headers: headers.event(event.id),
      body: event.body,
      timeout,
    };
    return transport.request(request).then(
      (res) => classifyResponse(res, label, secrets()),
      (err: unknown) => ({
        type: 'retry' as const,
        error: networkError(err, label, secrets()),
        retryAfter: undefined,
      }),
    );
  };
}
