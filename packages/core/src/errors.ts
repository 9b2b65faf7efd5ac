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
  | 'AL_ERR_SPOOL_LOCKED'
  | 'AL_ERR_WORKER';

export interface AuditLedgeErrorOptions {
  status?: number;
  cause?: unknown;
  /** For `AL_ERR_DROPPED`: why the event was dropped. */
  reason?: DropReason;
}

// Registered symbols brand each class (as undici does): `instanceof` then holds across two copies
// of this package (an app's and an adapter's, or the ESM and the CJS build loaded side by side).
const kError = Symbol.for('auditledge.error.AuditLedgeError');
const kValidationError = Symbol.for('auditledge.error.AuditLedgeValidationError');
const kNotFoundError = Symbol.for('auditledge.error.AuditLedgeNotFoundError');

/**
 * Marks a class's instances with `brand`. On the prototype, out of the declared type: a member
 * keyed by a unique symbol would make two copies of these types incompatible with each other.
 */
const brand = (target: abstract new (...args: never[]) => unknown, symbol: symbol): void => {
  Object.defineProperty(target.prototype, symbol, { value: true });
};

const branded = (value: unknown, brand: symbol): boolean =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  (value as Record<symbol, unknown>)[brand] === true;

/**
 * The one error family of Auditledge. `code` is stable; `status` is set for HTTP failures.
 * Messages never contain the API key or request headers.
 */
export class AuditLedgeError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, kError);
  }
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
  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, kValidationError);
  }
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
  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, kNotFoundError);
  }
  override name = 'AuditLedgeNotFoundError';

  constructor(message: string) {
    super('AL_ERR_NOT_FOUND', message, { status: 404 });
  }
}

brand(AuditLedgeError, kError);
brand(AuditLedgeValidationError, kValidationError);
brand(AuditLedgeNotFoundError, kNotFoundError);
