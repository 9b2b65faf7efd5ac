import { backoffDelay } from './backoff.js';
import { AuditLedgeError } from './errors.js';
import type { RequestLabel } from './httpError.js';
import type { ResolvedOptions } from './options.js';
import { classifyResponse, networkError, type Outcome } from './outcome.js';
import type { Transport, TransportRequest } from './transport.js';

/**
 * Sends a GET, retrying transient failures `readRetries` times with backoff (`Retry-After`
 * honoured, both capped by `maxRetryDelay`); resolves with the body of the 2xx answer.
 * `secrets` is read at each attempt, so a key set by `setApiKey()` meanwhile is scrubbed too.
 */
export async function readWithRetries(
  transport: Transport,
  request: TransportRequest,
  label: RequestLabel,
  secrets: () => Iterable<string>,
  options: Pick<ResolvedOptions, 'readRetries' | 'retryBaseDelay' | 'maxRetryDelay'>,
): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    let outcome: Outcome;
    try {
      outcome = classifyResponse(await transport.request(request), label, secrets());
    } catch (err) {
      outcome = { type: 'retry', error: networkError(err, label, secrets()), retryAfter: undefined };
    }
    if (outcome.type === 'delivered') return outcome.body;
    if (outcome.type !== 'retry' || attempt >= options.readRetries) throw outcome.error;
    const delay =
      outcome.retryAfter ?? backoffDelay(attempt + 1, options.retryBaseDelay, options.maxRetryDelay);
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, options.maxRetryDelay)));
  }
}

/** Rejects with the signal's reason as soon as it aborts, whatever `promise` is waiting for (a retry's backoff). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function closedForReads(): AuditLedgeError {
  return new AuditLedgeError(
    'AL_ERR_CLOSED',
    'This AuditLedge client was shut down; create a new one to read',
  );
}
