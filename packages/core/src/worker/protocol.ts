/**
 * What the app's thread and the delivery worker say to each other (`delivery: 'worker'`).
 * One `MessageChannel`, both ways, so order holds: a `flush` or `stop` posted after events is
 * handled after them, and the worker's answers arrive in the order it settled events. Both
 * sides batch: one message per event-loop turn at most, whatever the event rate.
 */
import type { MessagePort } from 'node:worker_threads';
import { AuditLedgeError } from '../errors.js';
import type { ErrorContext, ResolvedOptions } from '../options.js';
import type { DropReason, PipelineState } from '../types.js';

/** The options the worker's queue and HTTP pool need: data only (functions cannot cross threads). */
export const WORKER_OPTIONS = [
  'baseUrl',
  'timeout',
  'flushAt',
  'flushInterval',
  'concurrency',
  'maxQueueSize',
  'maxQueueBytes',
  'maxRetries',
  'maxEventAge',
  'retryBaseDelay',
  'maxRetryDelay',
  'authRetryInterval',
  'quotaRetryInterval',
  'userAgent',
] as const satisfies readonly (keyof ResolvedOptions)[];

export type WorkerQueueOptions = Pick<ResolvedOptions, (typeof WORKER_OPTIONS)[number]>;

/** `WORKER_OPTIONS` of the client's options. */
export function workerOptions(options: ResolvedOptions): WorkerQueueOptions {
  const picked: Partial<Record<keyof WorkerQueueOptions, unknown>> = {};
  for (const key of WORKER_OPTIONS) picked[key] = options[key];
  return picked as WorkerQueueOptions;
}

/**
 * One client's session on the delivery worker: every client of a process that delivers from a
 * worker shares one thread (per worker script), each with a queue, pool and channel of its own.
 * Sent as `{ t: 'open', session }` to the thread, the port in the transfer list.
 */
export interface WorkerInit {
  /** The worker's end of the client's channel. */
  port: MessagePort;
  /** [0]: set to 1 by the worker when it has answered a `stop` (the app's thread may be blocked on it). */
  signal: Int32Array;
  apiKey: string;
  options: WorkerQueueOptions;
}

/** App thread -> the worker thread itself. */
export interface OpenSession {
  t: 'open';
  session: WorkerInit;
}

/** App thread -> one session of the worker. */
export type ToWorker =
  /** Events, flattened: seq, id, body, bytes, 1 if a `log()` awaits it (else 0), ... */
  | { t: 'events'; e: Array<number | string> }
  | { t: 'flush'; id: number }
  | { t: 'key'; key: string }
  /** Deliver for at most `flushFor` ms, stop, answer with every leftover, then `stopped`. */
  | { t: 'stop'; flushFor: number };

/** A serialized `AuditLedgeError`: its class does not survive the structured clone. */
export interface ErrorData {
  code: AuditLedgeError['code'];
  message: string;
  status: number | undefined;
  reason: DropReason | undefined;
  cause?: ErrorData | string | undefined;
}

/**
 * One worker -> app thread op. A bare number is the commonest: that seq was delivered.
 * Arrays: `[0, seq, body]` delivered to an awaiting `log()` with the API's answer;
 * `[1, seq, error]` the `log()` of that seq is rejected; `[2, seq, reason, attempts]` that seq
 * is dropped; `[3, error, context]` a report for onError/logger; `[4, flushId]` that flush is
 * done; `[5]` the worker has stopped (the last op it sends).
 */
export type Op =
  | number
  | [0, number, string]
  | [1, number, ErrorData]
  | [2, number, DropReason, number]
  | [3, ErrorData, ErrorContext]
  | [4, number]
  | [5];

/** The worker's queue as of the ops in the same message. */
export interface Snapshot {
  inFlight: number;
  inFlightBytes: number;
  retries: number;
  state: PipelineState;
}

export interface FromWorker {
  ops: Op[];
  snapshot: Snapshot;
}

export function toErrorData(error: AuditLedgeError): ErrorData {
  const cause = error.cause;
  return {
    code: error.code,
    message: error.message,
    status: error.status,
    reason: error.reason,
    cause:
      cause instanceof AuditLedgeError
        ? toErrorData(cause)
        : cause instanceof Error
          ? cause.message
          : cause === undefined
            ? undefined
            : String(cause),
  };
}

/** The same error on this side. A cause that was not an `AuditLedgeError` comes back as its message. */
export function fromErrorData(data: ErrorData): AuditLedgeError {
  const cause =
    data.cause === undefined
      ? undefined
      : typeof data.cause === 'string'
        ? new Error(data.cause)
        : fromErrorData(data.cause);
  return new AuditLedgeError(data.code, data.message, {
    ...(data.status !== undefined && { status: data.status }),
    ...(data.reason !== undefined && { reason: data.reason }),
    ...(cause !== undefined && { cause }),
  });
}
