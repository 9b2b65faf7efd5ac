import type { DropReason } from './types.js';

/** Stable error codes. Match on `code`, never on `message`. */
export type AuditLedgeErrorCode =
  | 'AL_ERR_CONFIG'
  | 'AL_ERR_VALIDATION'
  | 'AL_ERR_CLOSED'
  | 'AL_ERR_DROPPED'
  | 'AL_ERR_BAD_REQUEST'
  | 'AL_ERR_UNAUTHORIZED'
  | 'AL_ERR_FORBIDDEN'
  | 'AL_ERR_NOT_FOUND'
  | 'AL_ERR_QUOTA_EXCEEDED'
  | 'AL_ERR_SERVER'
  | 'AL_ERR_HTTP'
  | 'AL_ERR_TIMEOUT'
  | 'AL_ERR_NETWORK'
  | 'AL_ERR_INVALID_RESPONSE'
  | 'AL_ERR_MAPPER'
  | 'AL_ERR_SPOOL'
  | 'AL_ERR_SPOOL_LOCKED';

export interface AuditLedgeErrorOptions {
  status?: number;
  cause?: unknown;
  /** For `AL_ERR_DROPPED`: why the event was dropped. */
  reason?: DropReason;
}

/**
 * The one error family of Auditledge. `code` is stable; `status` is set for HTTP failures.
 * Messages never contain the API key or request headers.
 */
export class AuditLedgeError extends Error {
  override name = 'AuditLedgeError';
  readonly code: AuditLedgeErrorCode;
  readonly status: number | undefined;
  readonly reason: DropReason | undefined;

  constructor(code: AuditLedgeErrorCode, message: string, options: AuditLedgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.reason = options.reason;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      reason: this.reason,
      message: this.message,
    };
  }
}

/** An event or option failed local validation; `field` names the offending path (`actor.id`). */
export class AuditLedgeValidationError extends AuditLedgeError {
  override name = 'AuditLedgeValidationError';
  readonly field: string;

  constructor(field: string, message: string) {
    super('AL_ERR_VALIDATION', `Invalid ${field}: ${message}`);
    this.field = field;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field };
  }
}

/** `get(id)` of an event that does not exist (or belongs to another account). */
export class AuditLedgeNotFoundError extends AuditLedgeError {
  override name = 'AuditLedgeNotFoundError';

  constructor(message: string) {
    super('AL_ERR_NOT_FOUND', message, { status: 404 });
  }
}

const statusCodes: Record<number, AuditLedgeErrorCode> = {
  400: 'AL_ERR_BAD_REQUEST',
  401: 'AL_ERR_UNAUTHORIZED',
  403: 'AL_ERR_FORBIDDEN',
  404: 'AL_ERR_NOT_FOUND',
  429: 'AL_ERR_QUOTA_EXCEEDED',
};

/** Replaces every occurrence of `secret` in `text`: servers and proxies sometimes echo credentials. */
export function scrub(text: string, secret: string | undefined): string {
  return secret && text.includes(secret) ? text.split(secret).join('[REDACTED]') : text;
}

/**
 * Builds the error for a non-2xx answer, using the API's `{ error }` message when there is one.
 * `secret` (the API key) is scrubbed from that message.
 */
export function httpError(status: number, body: string, secret?: string): AuditLedgeError {
  let message = `Auditledge API answered ${status}`;
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed?.error === 'string') message += `: ${scrub(parsed.error, secret)}`;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone is the message.
  }
  if (status === 404) return new AuditLedgeNotFoundError(message);
  const code = statusCodes[status] ?? (status >= 500 ? 'AL_ERR_SERVER' : 'AL_ERR_HTTP');
  return new AuditLedgeError(code, message, { status });
}
