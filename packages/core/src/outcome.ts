import { parseRetryAfter } from './backoff.js';
import { AuditLedgeError } from './errors.js';
import { httpError, type RequestLabel } from './httpError.js';
import { scrub } from './scrub.js';
import type { TransportResponse } from './transport.js';

/** What one delivery attempt means for the queue. The queue itself knows nothing of HTTP. */
export type Outcome =
  | { type: 'delivered'; body: string }
  /** Worth trying again later: 5xx, 408, timeouts, resets, refused connections. */
  | { type: 'retry'; error: AuditLedgeError; retryAfter: number | undefined }
  /** The API will never take this event: drop it. */
  | { type: 'reject'; error: AuditLedgeError }
  /** Sending anything is pointless until something changes: keep events, probe slowly. */
  | {
      type: 'pause';
      state: 'unauthorized' | 'quota_exceeded';
      error: AuditLedgeError;
      retryAfter: number | undefined;
    };

/** Maps an HTTP answer to what the queue should do with the event; `secrets` are kept out of messages. */
export function classifyResponse(
  res: TransportResponse,
  request: RequestLabel,
  secrets?: Iterable<string>,
): Outcome {
  const { status } = res;
  if (status >= 200 && status < 300) return { type: 'delivered', body: res.body };
  const error = httpError(status, res.body, request, secrets);
  const retryAfter = parseRetryAfter(res.headers['retry-after']);
  if (status === 401 || status === 403) return { type: 'pause', state: 'unauthorized', error, retryAfter };
  if (status === 429) return { type: 'pause', state: 'quota_exceeded', error, retryAfter };
  if (status === 408 || status >= 500) return { type: 'retry', error, retryAfter };
  return { type: 'reject', error };
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ABORT_ERR',
]);

/** Wraps a transport failure (never an HTTP status) in our error family, keeping only its code and message. */
export function networkError(
  err: unknown,
  request: RequestLabel,
  secrets?: Iterable<string>,
): AuditLedgeError {
  const code = (err as { code?: unknown } | null)?.code;
  const target = `${request.method} ${request.url}`;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new AuditLedgeError(
      'AL_ERR_TIMEOUT',
      scrub(`Auditledge API request ${target} timed out (${code})`, secrets),
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  const suffix = typeof code === 'string' ? ` (${code})` : '';
  return new AuditLedgeError(
    'AL_ERR_NETWORK',
    scrub(`Auditledge API unreachable for ${target}: ${detail}${suffix}`, secrets),
  );
}
