import { AuditLedgeError, AuditLedgeValidationError } from '../errors.js';
import type { UnrecordedReason } from '../types.js';

/** The counter `AuditLedge` exposes to adapters (a registered symbol: it crosses package copies). */
const kCountUnrecorded = Symbol.for('auditledge.countUnrecorded');
/** How an adapter tells the client about an event still being built by async mappers. */
const kTrackBuild = Symbol.for('auditledge.trackBuild');
/** How an adapter keeps the client's API keys out of a message built from an app's error. */
const kScrub = Symbol.for('auditledge.scrub');

/** An event the adapter could not build, with the reason `stats().unrecorded` counts it under. */
export class UnrecordedError extends AuditLedgeError {
  override name = 'AuditLedgeError';
  constructor(
    readonly unrecorded: UnrecordedReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('AL_ERR_MAPPER', message, options);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), unrecorded: this.unrecorded };
  }
}

/** Which `stats().unrecorded` reason a failure to build or enqueue a request's event falls under. */
export function unrecordedReason(error: unknown): UnrecordedReason {
  if (error instanceof UnrecordedError) return error.unrecorded;
  if (error instanceof AuditLedgeValidationError) {
    const field = error.field;
    if (field === 'action') return 'no_action';
    if (field === 'resource' || field.startsWith('resource.')) return 'no_resource';
    return 'invalid';
  }
  if (error instanceof AuditLedgeError && error.code === 'AL_ERR_CLOSED') return 'closed';
  return 'mapper_error';
}

/** Counts an unrecorded request on the client, when it is an `AuditLedge` (a stand-in may not be). */
export function countUnrecorded(client: object, reason: UnrecordedReason): void {
  const count = (client as { [kCountUnrecorded]?: (reason: UnrecordedReason) => void })[kCountUnrecorded];
  if (typeof count === 'function') count.call(client, reason);
}

/**
 * `text` without the client's API keys, when the client is an `AuditLedge`: a mapper's error
 * may quote one (a config dump, a failed request's headers), and its message goes to onError,
 * logs and warnings.
 */
export function scrubSecrets(client: object, text: string): string {
  const scrubbed = (client as { [kScrub]?: (text: string) => string })[kScrub];
  return typeof scrubbed === 'function' ? scrubbed.call(client, text) : text;
}

/**
 * Lets `client.flush()` wait for an event that async mappers are still building (the promise
 * never rejects and settles within `mapperTimeout`), when the client is an `AuditLedge`.
 */
export function trackBuild(client: object, built: Promise<void>): void {
  const track = (client as { [kTrackBuild]?: (built: Promise<void>) => void })[kTrackBuild];
  if (typeof track === 'function') track.call(client, built);
}

const hints: Record<UnrecordedReason, string> = {
  mapper_error: 'a mapper option or req.audit.set() threw',
  mapper_timeout: 'an async mapper did not settle within mapperTimeout',
  no_action: 'no action could be derived (or a mapper returned an empty one)',
  no_resource: 'no resource type or id could be derived',
  invalid: 'the event built from the request is invalid',
  closed: 'the client was already shut down',
};

/**
 * One `process.emitWarning` per reason and per set of `warned` reasons (a recorder's), never
 * one per request: with no `onError`, this is how a lost audit event makes a sound.
 */
export function warnUnrecorded(warned: Set<string>, reason: UnrecordedReason, error: unknown): void {
  if (warned.has(reason)) return;
  warned.add(reason);
  const detail = error instanceof Error ? error.message : String(error);
  emitWarning(
    `Auditledge: a request's audit event was not recorded (${reason}: ${hints[reason]}). ` +
      'Counted in client.stats().unrecorded; pass onError to the audit middleware to see every case. ' +
      'This warning is shown once per reason.',
    'AUDITLEDGE_UNRECORDED',
    detail,
  );
}

/**
 * `process.emitWarning` with our type and a stable code; never throws (a `--throw-deprecation`
 * style flag or a broken `process.emitWarning` must not reach the request).
 */
export function emitWarning(message: string, code: string, detail?: string): void {
  try {
    process.emitWarning(message, {
      type: 'AuditLedgeWarning',
      code,
      ...(detail === undefined ? {} : { detail }),
    });
  } catch {
    // Nowhere left to report to.
  }
}

/** Warnings about how an adapter is wired, once per process, adapter and code. */
const misuseWarned = new Set<string>();

/**
 * Warns once per process about wiring that records nothing (`app.use(auditMiddleware)` without
 * calling it, `audit()` with no `auditMiddleware()`, the middleware mounted after the routes).
 *
 * @example
 * warnMisuse('express', 'AUDITLEDGE_NO_MIDDLEWARE', 'audit() ran on DELETE /invoices/:id but auditMiddleware() is not mounted');
 */
export function warnMisuse(adapter: string, code: string, message: string): void {
  const key = `${adapter} ${code}`;
  if (misuseWarned.has(key)) return;
  misuseWarned.add(key);
  emitWarning(`Auditledge: ${message}`, code);
}

/**
 * Whether what was passed as options is in fact a request: `app.use(auditMiddleware)` without
 * the call hands the factory Express's `req` or Koa's `ctx`.
 */
export function looksLikeRequest(options: unknown): boolean {
  if (options === null || typeof options !== 'object') return false;
  const o = options as Record<string, unknown>;
  // An IncomingMessage (Express's req) or a Koa context (which holds req and res).
  return (typeof o.method === 'string' && typeof o.headers === 'object') || ('req' in o && 'res' in o);
}
