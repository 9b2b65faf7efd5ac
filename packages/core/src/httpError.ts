import { AuditLedgeError, type AuditLedgeErrorCode, AuditLedgeNotFoundError } from './errors.js';
import { scrub } from './scrub.js';

const statusCodes: Record<number, AuditLedgeErrorCode> = {
  400: 'AL_ERR_BAD_REQUEST',
  401: 'AL_ERR_UNAUTHORIZED',
  403: 'AL_ERR_FORBIDDEN',
  404: 'AL_ERR_NOT_FOUND',
  429: 'AL_ERR_QUOTA_EXCEEDED',
};

/** Which request failed, for messages: `POST https://api.auditledge.com/v1/events`. Never holds credentials. */
export interface RequestLabel {
  method: string;
  url: string;
}

/** A base URL as messages show it: origin and path prefix, no credentials, no trailing slash. */
export function displayBase(baseUrl: string): string {
  const url = new URL(baseUrl);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/**
 * Builds the error for a non-2xx answer, naming the request and using the API's `{ error }`
 * message when there is one. Every secret (API keys this client has used) is scrubbed from it.
 */
export function httpError(
  status: number,
  body: string,
  request: RequestLabel,
  secrets?: Iterable<string> | string,
): AuditLedgeError {
  let message = `Auditledge API answered ${status} to ${request.method} ${request.url}`;
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed?.error === 'string') message += `: ${parsed.error}`;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone is the message.
  }
  message = scrub(message, secrets);
  if (status === 404) return new AuditLedgeNotFoundError(message);
  const code = statusCodes[status] ?? (status >= 500 ? 'AL_ERR_SERVER' : 'AL_ERR_HTTP');
  return new AuditLedgeError(code, message, { status });
}
