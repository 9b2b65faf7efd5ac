import { existsSync } from 'node:fs';
import { AuditLedgeError, AuditLedgeValidationError } from './errors.js';
import { resolveSpoolOptions } from './spool/options.js';
import type { SpoolOptions } from './spool/spool.js';
import type { Transport } from './transport.js';
import type { DropReason, Logger, UndeliveredEvent } from './types.js';

/** Where an error reported to `onError` came from, and about which event. Never holds headers or keys. */
export interface ErrorContext {
  /** `deliver` (the background queue), `request` (query/get/export/usage), or an adapter's `mapper`. */
  operation: 'deliver' | 'request' | 'mapper';
  /** The event's id (its Idempotency-Key), for delivery errors. */
  eventId?: string | undefined;
  /** Set when the event was dropped. */
  reason?: DropReason | undefined;
  /** The route template and method, for adapter errors. */
  route?: string | undefined;
  method?: string | undefined;
}

export interface ClientOptions {
  /**
   * API origin (and optional path prefix of a proxy), without `/v1`: the client adds `/v1/...`
   * itself, and a base URL ending in `/v1` is refused. @default process.env.AUDITLEDGE_BASE_URL ?? 'https://api.auditledge.com'
   */
  baseUrl?: string | undefined;
  /** Per-request timeout in ms (connect, headers and body each). @default 10000 */
  timeout?: number | undefined;
  /** Queued events that start a drain at once instead of waiting for `flushInterval`. @default 20 */
  flushAt?: number | undefined;
  /** Longest time an event waits in the queue before a drain starts, in ms. @default 1000 */
  flushInterval?: number | undefined;
  /** Requests in flight at most (also the keep-alive pool size). @default 64 */
  concurrency?: number | undefined;
  /** Events held in memory (queued or in flight) at most; beyond it new events are dropped with reason `queue_full`. @default 10000 */
  maxQueueSize?: number | undefined;
  /** Bytes of serialized events held in memory (queued or in flight) at most. @default 16777216 (16 MiB) */
  maxQueueBytes?: number | undefined;
  /** Largest serialized event accepted by `log()`/`enqueue()`, in bytes. @default 65536 */
  maxEventBytes?: number | undefined;
  /** Transient failures (5xx, 408, timeouts, resets) tolerated per event before it is dropped. @default 10 */
  maxRetries?: number | undefined;
  /** An event still failing transiently this long after it was enqueued is dropped (`expired`), in ms. @default 3600000 */
  maxEventAge?: number | undefined;
  /**
   * Transient failures (5xx, 408, timeouts, resets) a read (`query`, `get`, `export`, `usage`,
   * `events`, `exportStream`) retries before it rejects; `0` rejects at the first. @default 2
   */
  readRetries?: number | undefined;
  /** First backoff delay after a transient failure, in ms; doubles per failure, with full jitter. @default 250 */
  retryBaseDelay?: number | undefined;
  /** Longest backoff delay, in ms (a `Retry-After` is honoured up to this too). @default 30000 */
  maxRetryDelay?: number | undefined;
  /** Interval between probes while the API answers 401/403, in ms. @default 30000 */
  authRetryInterval?: number | undefined;
  /** Interval between probes while the API answers 429 (monthly quota), in ms. @default 60000 */
  quotaRetryInterval?: number | undefined;
  /**
   * When the event loop empties with events still queued (a script or test file that ends
   * without `shutdown()`), they are flushed for at most this long, in ms; what is left then
   * goes to `onDrop` (reason `shutdown`). `0` skips the flush. @default 5000
   */
  exitFlushTimeout?: number | undefined;
  /**
   * Called for delivery and request failures, and drops. Never throws into your code; keep it fast.
   * It may be async: a promise it returns that rejects is ignored, never an unhandled rejection.
   */
  onError?: ((error: AuditLedgeError, context: ErrorContext) => void) | undefined;
  /**
   * Called once per dropped event with the event itself, e.g. to persist it elsewhere. Events
   * `shutdown()` could not deliver come here too (reason `shutdown`), as well as in its report.
   * It may be async: a promise it returns that rejects is ignored.
   */
  onDrop?: ((event: UndeliveredEvent, reason: DropReason) => void) | undefined;
  /** Optional pino-style logger (`logger.warn(obj, msg)`). Nothing is printed without one. */
  logger?: Logger | undefined;
  /** Replaces the HTTP layer (tests, other runtimes). @default an undici keep-alive Pool */
  transport?: Transport | undefined;
  /** Extra `User-Agent` suffix, e.g. `my-app/1.2`. */
  userAgent?: string | undefined;
  /**
   * Keeps every accepted event in an on-disk spool until it is delivered or dropped, so a crash,
   * SIGKILL or OOM kill loses nothing written, and a client started later on the same `dir`
   * delivers what is left (under the original Idempotency-Keys). Events the memory queue has no
   * room for wait on disk instead of being dropped (`queue_full`); past `maxBytes` they are
   * dropped with `spool_full`. See the README's "Durable delivery" section. @default none (memory only)
   */
  spool?: SpoolOptions | undefined;
  /**
   * Where the background queue delivers from. `'worker'`: a worker thread (one per process,
   * shared by its clients) owns the queue, the HTTP pool, retries and backoff; the app's thread
   * only validates, serializes and hands events over. `'thread'`: the app's thread sends every
   * event itself. Measured here (bench/RESULTS.md section 10), the worker leaves the app's
   * thread a fifth to a sixth of the CPU per delivered event and the app about a third more
   * requests per second at saturation, even on 2 cores. `stats()`, `onError`, `onDrop`, `log()`,
   * `flush()` and `shutdown()` behave the same; at process `exit` the worker can still deliver,
   * the app's thread blocking for at most `exitFlushTimeout`. A custom `transport` or a `spool`
   * runs on the app's thread: with either, the default is `'thread'` (and `'worker'` is refused).
   * See the README's "Delivery from a worker thread".
   * @default process.env.AUDITLEDGE_DELIVERY ?? 'worker'
   */
  delivery?: 'thread' | 'worker' | undefined;
  /**
   * The delivery worker's script, for bundled apps: the file `@auditledge/core/worker` resolves
   * to (`require.resolve('@auditledge/core/worker')`, or a copy of it shipped next to the bundle).
   * @default the worker script next to core's own files
   */
  workerEntry?: string | URL | undefined;
}

type OptionalOption = 'onError' | 'onDrop' | 'logger' | 'transport' | 'userAgent' | 'spool' | 'workerEntry';
export type ResolvedOptions = Required<Omit<ClientOptions, OptionalOption>> &
  Pick<ClientOptions, OptionalOption>;

export const defaults = {
  baseUrl: 'https://api.auditledge.com',
  timeout: 10_000,
  flushAt: 20,
  flushInterval: 1_000,
  concurrency: 64,
  maxQueueSize: 10_000,
  maxQueueBytes: 16 * 1024 * 1024,
  maxEventBytes: 64 * 1024,
  maxRetries: 10,
  readRetries: 2,
  maxEventAge: 60 * 60 * 1000,
  retryBaseDelay: 250,
  maxRetryDelay: 30_000,
  authRetryInterval: 30_000,
  quotaRetryInterval: 60_000,
  exitFlushTimeout: 5_000,
  delivery: 'worker',
} as const satisfies Partial<ResolvedOptions>;

type NumericOption = Exclude<keyof typeof defaults, 'baseUrl' | 'delivery'>;
const MAX_TIMER = 2_147_483_647;
const TIMER_OPTIONS = new Set<NumericOption>([
  'timeout',
  'flushInterval',
  'retryBaseDelay',
  'maxRetryDelay',
  'authRetryInterval',
  'quotaRetryInterval',
  'exitFlushTimeout',
]);
const minimums: Record<NumericOption, number> = {
  timeout: 1,
  flushAt: 1,
  flushInterval: 0,
  concurrency: 1,
  maxQueueSize: 1,
  maxQueueBytes: 1024,
  maxEventBytes: 256,
  maxRetries: 0,
  readRetries: 0,
  maxEventAge: 0,
  retryBaseDelay: 0,
  maxRetryDelay: 0,
  authRetryInterval: 0,
  quotaRetryInterval: 0,
  exitFlushTimeout: 0,
};

/** Applies defaults and checks every option, naming the one that is wrong. */
export function resolveOptions(options: ClientOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new AuditLedgeValidationError('options', 'must be an object');
  }
  const resolved = { ...defaults, ...stripUndefined(options) } as ResolvedOptions;
  for (const key of Object.keys(minimums) as NumericOption[]) {
    const value = resolved[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimums[key]) {
      throw new AuditLedgeValidationError(`options.${key}`, `must be a number >= ${minimums[key]}`);
    }
    // Node turns a longer timer into a 1 ms one (with a warning): refuse it instead.
    if (TIMER_OPTIONS.has(key) && value > MAX_TIMER) {
      throw new AuditLedgeValidationError(`options.${key}`, `must be at most ${MAX_TIMER} ms`);
    }
  }
  for (const key of ['onError', 'onDrop'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw new AuditLedgeValidationError(`options.${key}`, 'must be a function');
    }
  }
  if (options.spool !== undefined) resolved.spool = resolveSpoolOptions(options.spool);
  resolved.delivery = resolveDelivery(options);
  if (
    options.workerEntry !== undefined &&
    !(typeof options.workerEntry === 'string' && options.workerEntry !== '') &&
    !(options.workerEntry instanceof URL)
  ) {
    throw new AuditLedgeValidationError('options.workerEntry', 'must be a file path or a file: URL');
  }
  if (options.workerEntry !== undefined && !existsSync(options.workerEntry)) {
    throw new AuditLedgeValidationError(
      'options.workerEntry',
      `names no file (${String(options.workerEntry)})`,
    );
  }
  const envBase = process.env.AUDITLEDGE_BASE_URL;
  resolved.baseUrl = options.baseUrl ?? (envBase ? envBase : defaults.baseUrl);
  let url: URL;
  try {
    url = new URL(resolved.baseUrl);
  } catch {
    throw new AuditLedgeValidationError('options.baseUrl', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AuditLedgeValidationError('options.baseUrl', 'must be an absolute http(s) URL');
  }
  // Every request would go to /v1/v1/... and be dropped as a 404: say so now instead.
  if (/(?:^|\/)v1$/i.test(url.pathname.replace(/\/+$/, ''))) {
    const without = `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/i, '')}`;
    throw new AuditLedgeValidationError(
      'options.baseUrl',
      `must not end with /v1: the client adds /v1/... to it (use '${without}')`,
    );
  }
  return resolved;
}

/**
 * `delivery`, or else `AUDITLEDGE_DELIVERY`, or else the worker. A custom transport or a spool
 * runs on the app's thread: asked for explicitly with them, the worker is refused; by the
 * environment or the default, that client delivers in-thread.
 */
function resolveDelivery(options: ClientOptions): 'thread' | 'worker' {
  const explicit = options.delivery;
  if (explicit !== undefined && explicit !== 'thread' && explicit !== 'worker') {
    throw new AuditLedgeValidationError('options.delivery', "must be 'thread' or 'worker'");
  }
  const inThreadOnly =
    options.transport !== undefined ? 'transport' : options.spool !== undefined ? 'spool' : undefined;
  if (explicit === 'worker' && inThreadOnly !== undefined) {
    throw new AuditLedgeValidationError(
      'options.delivery',
      `'worker' cannot be combined with options.${inThreadOnly}, which runs on the app's thread`,
    );
  }
  if (explicit !== undefined) return explicit;
  const env = process.env.AUDITLEDGE_DELIVERY;
  if (env !== undefined && env !== '' && env !== 'thread' && env !== 'worker') {
    throw new AuditLedgeError('AL_ERR_CONFIG', "AUDITLEDGE_DELIVERY must be 'thread' or 'worker'");
  }
  const preferred = env === 'thread' || env === 'worker' ? env : defaults.delivery;
  return inThreadOnly === undefined ? preferred : 'thread';
}

/** Reads the key from the argument or `AUDITLEDGE_API_KEY` and checks it can go in a header. */
export function resolveApiKey(apiKey: string | undefined): string {
  const key = apiKey ?? process.env.AUDITLEDGE_API_KEY;
  if (key === undefined || key === '') {
    throw new AuditLedgeError(
      'AL_ERR_CONFIG',
      'No Auditledge API key: pass one to new AuditLedge(apiKey) or set AUDITLEDGE_API_KEY ' +
        "(in an app's tests, AUDITLEDGE_TEST=1 makes the adapters record to an in-memory trail instead: " +
        '@auditledge/core/testing)',
    );
  }
  if (typeof key !== 'string') {
    throw new AuditLedgeError('AL_ERR_CONFIG', 'The Auditledge API key must be a string');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(key)) {
    // The key itself must not be echoed: it may be a real one with a stray newline.
    throw new AuditLedgeError(
      'AL_ERR_CONFIG',
      'The Auditledge API key contains whitespace or control characters (check for a trailing newline)',
    );
  }
  return key;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
