import type { SpoolStats } from './spool/spool.js';

/** Who performed the action. */
export interface Actor {
  /** Stable identifier of the user, service or API client. Required. */
  id: string;
  name?: string | null | undefined;
  email?: string | null | undefined;
}

/** What the action was performed on. */
export interface Resource {
  /** Kind of resource, singular and snake_case by convention: `invoice`, `api_key`. Required. */
  type: string;
  /** Identifier of the resource. Required. */
  id: string;
  name?: string | null | undefined;
}

/** A JSON value, as accepted in `metadata`. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | Date
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

/** Free-form details. By convention a change is recorded as `{ field?, old_value, new_value }`. */
export type Metadata = { [key: string]: JsonValue | undefined };

/** An event as the caller describes it: the body of `POST /v1/events`. */
export interface AuditEventInput {
  actor: Actor;
  /** What happened, `resource.verb` by convention: `invoice.deleted`. Required. */
  action: string;
  resource: Resource;
  /** Tenant the event belongs to; defaults (server side) to the API key's organization. */
  organization_id?: string | null | undefined;
  metadata?: Metadata | null | undefined;
  /** When it happened; defaults to the moment it was enqueued (not when it was delivered). */
  timestamp?: Date | string | undefined;
}

/** An event as the API stores and returns it (flat, snake_case). */
export interface StoredEvent {
  id: string;
  timestamp: string;
  actor_id: string;
  actor_name: string | null;
  actor_email: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  resource_name: string | null;
  metadata: Record<string, unknown> | null;
  organization_id: string | null;
  api_key_id: string | null;
}

/** Filters of `GET /v1/events` and `GET /v1/events/export`. */
export interface EventFilters {
  /** Case-insensitive partial match over action, actor_name and resource_type. */
  search?: string | undefined;
  /** Exact actor id. */
  actor_id?: string | undefined;
  /** Case-insensitive partial match. */
  actor_name?: string | undefined;
  /** Case-insensitive partial match. */
  action?: string | undefined;
  /** Exact resource type. */
  resource_type?: string | undefined;
  organization_id?: string | undefined;
  /** Inclusive lower bound. */
  start_date?: Date | string | undefined;
  /** Inclusive upper bound. */
  end_date?: Date | string | undefined;
}

export interface QueryFilters extends EventFilters {
  /** Page size. @default 20 (server side) */
  limit?: number | undefined;
  /** @default 0 */
  offset?: number | undefined;
}

export interface QueryResult {
  events: StoredEvent[];
  total: number;
  limit: number;
  offset: number;
}

export interface ExportOptions extends EventFilters {
  /** @default 'json' */
  format?: 'json' | 'csv' | undefined;
}

/**
 * What `events()` iterates over: the filters of `query()` (without `offset`: it pages
 * itself) and how it pages.
 */
export interface EventsOptions extends EventFilters {
  /**
   * Events fetched per request, 1 to 1000. Only this many are held at a time. The API may
   * answer a smaller page (the local API caps a page at about 16 MiB); paging goes on from
   * there. `limit` is accepted as another name for it.
   * @default 100
   */
  pageSize?: number | undefined;
  /** Same as `pageSize` (the API's name for a page's size). */
  limit?: number | undefined;
  /** Stops the iteration: the pending request is aborted and the loop throws the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** What `exportStream()` streams: the filters and format of `export()`. */
export interface ExportStreamOptions extends ExportOptions {
  /** Aborts the download: the stream is destroyed with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export type Plan = 'free' | 'starter' | 'growth' | 'pro';

export interface Usage {
  plan: Plan | string;
  events_this_month: number;
  /** `null` when the plan has no limit. */
  events_limit: number | null;
  /** `null` when retention is custom. */
  retention_days: number | null;
}

/** Why an accepted event was not delivered. */
export type DropReason =
  /** The queue was at its event or byte cap when the event arrived. */
  | 'queue_full'
  /** The API rejected the event (400 or another non-retryable 4xx). */
  | 'invalid'
  /** Transient failures exceeded `maxRetries`. */
  | 'retries_exhausted'
  /** Transient failures went on for longer than `maxEventAge`. */
  | 'expired'
  /** `shutdown()` ended before the event could be sent; it is in the report's `undelivered`. */
  | 'shutdown'
  /** The spool was at `spool.maxBytes` (or the disk refused the write of an event held on disk only). */
  | 'spool_full';

/** An accepted event that has not been delivered, as handed to `onDrop` and `shutdown()`'s report. */
export interface UndeliveredEvent {
  /** The id given by `enqueue()`, sent as `Idempotency-Key`. Re-send with `enqueue(event, { id })`. */
  id: string;
  event: AuditEventInput & { timestamp: string };
  attempts: number;
}

/**
 * Why an adapter could not record a request's event:
 * - `mapper_error`: a mapper (or `req.audit.set()`) threw or its promise rejected;
 * - `mapper_timeout`: an async mapper did not settle within `mapperTimeout`;
 * - `no_action`: no action could be derived or a mapper returned an empty one;
 * - `no_resource`: no resource type or id (a create answered without an id, say);
 * - `invalid`: the built event failed validation (an actor without an id, say);
 * - `closed`: the client was already shut down.
 */
export type UnrecordedReason =
  | 'mapper_error'
  | 'mapper_timeout'
  | 'no_action'
  | 'no_resource'
  | 'invalid'
  | 'closed';

export interface DeliveryStats {
  /** Events that passed validation (including those later dropped). */
  accepted: number;
  delivered: number;
  dropped: Record<DropReason, number> & { total: number };
  /**
   * Requests that should have produced an event through an adapter and did not, by reason:
   * never accepted, so outside `accepted`. Each is also reported to `onError`, or, without
   * one, by one `process.emitWarning` per reason.
   */
  unrecorded: Record<UnrecordedReason, number> & { total: number };
  /** Waiting in the queue, including those waiting for a retry. */
  queued: number;
  /** Bytes of serialized events waiting in the queue. */
  queuedBytes: number;
  inFlight: number;
  /** Attempts that failed transiently and were scheduled again. */
  retries: number;
  state: PipelineState;
  /** Only with the `spool` option: the state of the on-disk spool. */
  spool?: SpoolStats | undefined;
  /** Only with `delivery: 'worker'`: the delivery worker. */
  worker?: WorkerStats | undefined;
}

export interface WorkerStats {
  /**
   * `running`; `failed` once it crashed or was terminated (what it held, and every later event,
   * then goes through an in-thread queue, reported to onError as `AL_ERR_WORKER`); `stopped`
   * after `shutdown()`.
   */
  state: 'running' | 'failed' | 'stopped';
  /** Events handed to the in-thread queue when the worker failed (they may be delivered twice; the Idempotency-Key makes that harmless). */
  fellBack: number;
}

export type PipelineState =
  /** Sending normally. */
  | 'running'
  /** Waiting after transient failures before the next attempt. */
  | 'backoff'
  /** The API answered 401/403: keeping events, probing slowly, waiting for `setApiKey()`. */
  | 'unauthorized'
  /** The API answered 429 (monthly quota): keeping events, probing slowly. */
  | 'quota_exceeded'
  /** `shutdown()` was called. */
  | 'closed';

/**
 * What `shutdown()` achieved, in the words of `stats()`: `delivered` is `stats().delivered`,
 * `dropped` is `stats().dropped.total`, `pending` is `stats().dropped.shutdown`.
 */
export interface ShutdownReport {
  /** Events delivered over the client's life. */
  delivered: number;
  /** Events not delivered over the client's life, for any reason, `pending` included: `stats().dropped.total`. */
  dropped: number;
  /** Events this shutdown could not send before its deadline (reason `shutdown`): `undelivered.length`. */
  pending: number;
  /** Those events, to persist and re-send later with `enqueue(event, { id })`. */
  undelivered: UndeliveredEvent[];
}

export interface ShutdownOptions {
  /** How long to keep delivering before giving up, in ms. @default 10000 */
  timeout?: number | undefined;
}

export interface FlushOptions {
  /** Resolve after this many ms even if events are still queued or in flight. @default no limit */
  timeout?: number | undefined;
}

export interface EnqueueOptions {
  /** Reuse an id (Idempotency-Key), to re-send an event from a shutdown report without duplicating it. */
  id?: string | undefined;
}

/** A pino/console-compatible logger. Every method is optional. */
export interface Logger {
  debug?(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error?(obj: object, msg?: string): void;
}
