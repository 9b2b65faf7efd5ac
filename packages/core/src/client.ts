import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { backoffDelay } from './backoff.js';
import { type Deferred, DeliveryQueue, type Pipeline, toUndelivered } from './deliveryQueue.js';
import { AuditLedgeError, AuditLedgeValidationError } from './errors.js';
import { pageThrough, pagingOptions } from './eventPages.js';
import { eventSender } from './eventSender.js';
import { streamResponse } from './exportStream.js';
import { RequestHeaders } from './headers.js';
import { displayBase, type RequestLabel } from './httpError.js';
import { createHttpTransport } from './httpTransport.js';
import { KeepAlive, watchExit } from './lifetime.js';
import {
  type ClientOptions,
  type ErrorContext,
  type ResolvedOptions,
  resolveApiKey,
  resolveOptions,
} from './options.js';
import { classifyResponse, networkError } from './outcome.js';
import { ProcessExit } from './processExit.js';
import { buildQuery } from './query.js';
import { abortable, closedForReads, readWithRetries } from './readRetry.js';
import { parseJson, parseStored } from './responseBody.js';
import { scrub, withSecret } from './scrub.js';
import { drainAndStop } from './shutdown.js';
import { Spool } from './spool/spool.js';
import { checkTimeout, raceTimeout } from './timeouts.js';
import type { Transport, TransportRequest } from './transport.js';
import type {
  AuditEventInput,
  DeliveryStats,
  DropReason,
  EnqueueOptions,
  EventsOptions,
  ExportOptions,
  ExportStreamOptions,
  FlushOptions,
  QueryFilters,
  QueryResult,
  ShutdownOptions,
  ShutdownReport,
  StoredEvent,
  UnrecordedReason,
  Usage,
} from './types.js';
import { uuidv7 } from './uuid.js';
import { type EventPayload, toPayload } from './validate.js';
import { resolveWorkerEntry } from './worker/entry.js';
import { workerOptions } from './worker/protocol.js';
import { type DroppedEvent, WorkerDelivery } from './worker/workerDelivery.js';

const noop = () => {};
const HEADER_SAFE = /^[\x21-\x7e]{1,200}$/;
/**
 * How adapters count a request they could not record (`stats().unrecorded`). A registered
 * symbol, so an adapter bundled with another copy of core still finds it.
 */
const kCountUnrecorded = Symbol.for('auditledge.countUnrecorded');
/** How adapters hand over an event still being built by async mappers, for `flush()` to wait on. */
const kTrackBuild = Symbol.for('auditledge.trackBuild');
/** How adapters learn the size an event may have, to cut metadata down to it. */
const kMaxEventBytes = Symbol.for('auditledge.maxEventBytes');
/** How adapters keep this client's keys out of messages they build (without ever reading them). */
const kScrub = Symbol.for('auditledge.scrub');

/** A handler the app gave us may return a promise: its rejection must not become unhandled. */
function quiet(result: unknown): void {
  if (
    result !== null &&
    typeof result === 'object' &&
    typeof (result as PromiseLike<unknown>).then === 'function'
  ) {
    (result as PromiseLike<unknown>).then(undefined, noop);
  }
}

/**
 * The Auditledge API client with a background delivery queue.
 *
 * @example
 * const audit = new AuditLedge(process.env.AUDITLEDGE_API_KEY);
 * audit.enqueue({ actor: { id: 'u_1' }, action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_4' } });
 * const { events } = await audit.query({ action: 'invoice' });
 * await audit.shutdown();
 */
export class AuditLedge {
  #apiKey: string;
  readonly #headers: RequestHeaders;
  /** Every key this client has used, longest first: an error echoing an old one is scrubbed too. */
  #secrets: string[] = [];
  /** The base URL as messages show it: no credentials, no trailing slash. */
  readonly #displayBase: string;
  readonly #options: ResolvedOptions;
  readonly #transport: Transport;
  readonly #queue: Pipeline;
  readonly #spool: Spool | undefined;
  readonly #keepAlive = new KeepAlive();
  readonly #heldFlushes = new WeakMap<Promise<void>, Promise<void>>();
  /** Events adapters are still building (async mappers, bounded by their `mapperTimeout`). */
  readonly #building = new Set<Promise<void>>();
  readonly #processExit: ProcessExit;
  #shutdown: Promise<ShutdownReport> | undefined;
  readonly #unrecorded: Record<UnrecordedReason, number> = {
    mapper_error: 0,
    mapper_timeout: 0,
    no_action: 0,
    no_resource: 0,
    invalid: 0,
    closed: 0,
  };

  constructor(apiKey?: string, options: ClientOptions = {}) {
    this.#apiKey = resolveApiKey(apiKey);
    this.#rememberKey(this.#apiKey);
    this.#options = resolveOptions(options);
    const o = this.#options;
    this.#headers = new RequestHeaders(this.#apiKey, o.userAgent);
    this.#displayBase = displayBase(o.baseUrl);
    this.#transport =
      o.transport ??
      createHttpTransport({ baseUrl: o.baseUrl, connections: o.concurrency, connectTimeout: o.timeout });
    const workerEntry = o.delivery === 'worker' ? resolveWorkerEntry(o.workerEntry) : undefined;
    // Last before the queue: it takes the directory's lock, so nothing after it may throw.
    this.#spool =
      o.spool === undefined
        ? undefined
        : new Spool(o.spool as Required<NonNullable<ClientOptions['spool']>>, {
            report: (error) => this.#report(error, { operation: 'deliver' }),
            // A spool always delivers in-thread (options.ts refuses it with the worker).
            lost: (events) => (this.#queue as DeliveryQueue).spoolLost(events),
          });
    this.#processExit = new ProcessExit({
      options: o,
      spooled: this.#spool !== undefined,
      queue: () => this.#queue,
      closed: () => this.#shutdown !== undefined,
      flush: (timeout) => this.flush({ timeout }),
      shutdown: (timeout) => this.shutdown({ timeout }),
      report: (error, context) => this.#report(error, context),
    });
    const observed = o.onError !== undefined || o.onDrop !== undefined || o.logger !== undefined;
    const report = (error: AuditLedgeError, context: ErrorContext) => this.#report(error, context);
    const dropped = (event: DroppedEvent, reason: DropReason) => {
      if (o.onDrop === undefined) return;
      try {
        quiet(o.onDrop(toUndelivered(event), reason));
      } catch (err) {
        o.logger?.error?.({ err }, 'auditledge: onDrop threw');
      }
    };
    const busy = (busy: boolean) => watchExit(this.#processExit, busy);
    const inThread = () =>
      new DeliveryQueue(
        o,
        {
          observed,
          deliver: eventSender(
            this.#transport,
            this.#headers,
            o.timeout,
            this.#label('POST', '/v1/events'),
            () => this.#secrets,
          ),
          report,
          dropped,
          busy,
        },
        this.#spool,
      );
    this.#queue =
      workerEntry !== undefined
        ? new WorkerDelivery({ entry: workerEntry, ...workerOptions(o) }, this.#apiKey, {
            observed,
            report,
            dropped,
            busy,
            inThread,
          })
        : inThread();
  }

  /** The API origin this client talks to. */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /**
   * Sends an event at once (it does not wait for `flushInterval` or `flushAt`) and resolves
   * with the stored event once the API has persisted it (201); until it settles the process
   * stays alive. Rejects with `AuditLedgeValidationError` before any request, or
   * `AuditLedgeError` if it is dropped. An unawaited `log()` never becomes an unhandled rejection.
   */
  log(event: AuditEventInput, options?: EnqueueOptions): Promise<StoredEvent> {
    let deferred: Deferred | undefined;
    const keepAlive = this.#keepAlive;
    const promise = new Promise<StoredEvent>((resolve, reject) => {
      deferred = {
        resolve: (body) => {
          keepAlive.release();
          try {
            resolve(parseStored(body));
          } catch (err) {
            reject(err);
          }
        },
        reject: (err) => {
          keepAlive.release();
          reject(err);
        },
      };
    });
    keepAlive.hold();
    try {
      this.#accept(event, options, deferred);
    } catch (err) {
      deferred!.reject(err as AuditLedgeError);
    }
    promise.catch(noop); // failures also go to onError; nobody is obliged to await
    return promise;
  }

  /**
   * Queues an event without waiting: O(1), never touches the network. Throws
   * `AuditLedgeValidationError` synchronously for a bad event. Returns the event's id
   * (its `Idempotency-Key`).
   */
  enqueue(event: AuditEventInput, options?: EnqueueOptions): string {
    return this.#accept(event, options, undefined);
  }

  /** `GET /v1/events`: newest first, with `total` for paging. */
  query(filters?: QueryFilters): Promise<QueryResult> {
    return this.#read(() => `/v1/events${buildQuery(filters, 'query')}`).then((body) => parseJson(body));
  }

  /** `GET /v1/events/:id`. Rejects with `AuditLedgeNotFoundError` for an unknown id. */
  get(id: string): Promise<StoredEvent> {
    return this.#read(() => {
      if (typeof id !== 'string' || id === '')
        throw new AuditLedgeValidationError('id', 'must be a non-empty string');
      return `/v1/events/${encodeURIComponent(id)}`;
    }).then((body) => parseJson(body));
  }

  /**
   * Every event matching `filters`, newest first, fetched page by page (`pageSize` events
   * at a time, default 100): memory holds one page whatever the trail's size. The next page
   * is requested only when the loop asks for it, so `break` stops the requests; `signal`
   * aborts the pending one and makes the loop throw its reason. Events stored while the loop
   * runs neither repeat nor push others out: no event is yielded twice, none that existed
   * when the loop began is skipped, and one stored meanwhile is yielded only if it sorts
   * among the pages still to come (a backdated one). Bad filters throw here, before any request.
   *
   * @example
   * for await (const event of audit.events({ resource_type: 'invoice', pageSize: 500 })) {
   *   if (event.action === 'invoice.deleted') break;
   * }
   */
  events(filters?: EventsOptions): AsyncIterableIterator<StoredEvent> {
    const { filters: sent, pageSize, signal } = pagingOptions(filters);
    buildQuery(sent, 'query'); // throws now, naming the field, rather than at the first page
    const fetchPage = (page: QueryFilters) =>
      abortable(
        this.#read(() => `/v1/events${buildQuery(page, 'query')}`, signal),
        signal,
      ).then((body) => parseJson<QueryResult>(body));
    return pageThrough(fetchPage, sent, pageSize, signal);
  }

  /**
   * `GET /v1/events/export` as a Node `Readable` of the CSV or JSON bytes as they arrive, with
   * backpressure: a consumer that stops reading stops the download, so memory stays flat
   * whatever the export's size. Nothing is requested until the stream is first read.
   * Transient failures before the first byte are retried; a failure after it (the server
   * hanging up mid-export) destroys the stream with an `AuditLedgeError`, so a truncated
   * export is never mistaken for a whole one. `signal` aborts it. Bad options throw here.
   *
   * @example
   * await pipeline(audit.exportStream({ format: 'csv', start_date: '2024-01-01' }), createWriteStream('audit.csv'));
   */
  exportStream(options: ExportStreamOptions = {}): Readable {
    if (options === null || typeof options !== 'object') {
      throw new AuditLedgeValidationError('options', 'must be an object');
    }
    const { signal, ...exportOptions } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new AuditLedgeValidationError('signal', 'must be an AbortSignal');
    }
    const path = `/v1/events/export${buildQuery(exportOptions, 'export')}`;
    const o = this.#options;
    const transport = this.#transport;
    const closed = this.#shutdown !== undefined;
    return streamResponse({
      open: async (abort) => {
        if (closed) throw closedForReads();
        const request: TransportRequest = {
          method: 'GET',
          path,
          headers: this.#headers.read(),
          timeout: o.timeout,
          signal: abort,
        };
        if (transport.stream) return transport.stream(request);
        // A transport without stream(): the body is read whole, then streamed from memory.
        const res = await transport.request(request);
        return { status: res.status, headers: res.headers, body: Readable.from([Buffer.from(res.body)]) };
      },
      classify: (res) => classifyResponse(res, this.#label('GET', path), this.#secrets),
      networkError: (err) =>
        err instanceof AuditLedgeError ? err : networkError(err, this.#label('GET', path), this.#secrets),
      retries: o.readRetries,
      delay: (attempt, retryAfter) =>
        Math.min(retryAfter ?? backoffDelay(attempt, o.retryBaseDelay, o.maxRetryDelay), o.maxRetryDelay),
      signal,
    });
  }

  /** `GET /v1/events/export`: every match, as a CSV string or an array of events. */
  export(options: ExportOptions & { format: 'csv' }): Promise<string>;
  export(options?: ExportOptions & { format?: 'json' }): Promise<StoredEvent[]>;
  export(options?: ExportOptions): Promise<string | StoredEvent[]>;
  export(options: ExportOptions = {}): Promise<string | StoredEvent[]> {
    return this.#read(() => `/v1/events/export${buildQuery(options, 'export')}`).then((body) =>
      options.format === 'csv' ? body : parseJson<StoredEvent[]>(body),
    );
  }

  /** `GET /v1/usage`: plan, events this month, limit, retention. */
  usage(): Promise<Usage> {
    return this.#read(() => '/v1/usage').then((body) => parseJson(body));
  }

  /**
   * Sends what is queued at once and resolves when every event queued before the call is
   * delivered or dropped, or when `timeout` ms have passed (whichever comes first; what is
   * left stays queued, see `stats()`). Keeps the process alive until then. Never rejects.
   */
  flush(options: FlushOptions = {}): Promise<void> {
    const timeout = checkTimeout(options, 'flush');
    if (this.#building.size === 0) return this.#flushQueued(timeout);
    // Requests that finished before the call and whose async mappers are still out: their
    // events count as queued before the call (each build settles within its mapperTimeout).
    const built = Promise.all(this.#building).then(() => this.#flushQueued(undefined));
    return this.#keepAlive.around(timeout === undefined ? built : raceTimeout(built, timeout));
  }

  #flushQueued(timeout: number | undefined): Promise<void> {
    const flushed = this.#queue.flush();
    if (this.#queue.unsettled === 0) return flushed;
    if (timeout === undefined) {
      // Concurrent flushes share one promise; so do their held versions.
      let held = this.#heldFlushes.get(flushed);
      if (held === undefined) {
        held = this.#keepAlive.around(flushed);
        this.#heldFlushes.set(flushed, held);
      }
      return held;
    }
    return this.#keepAlive.around(raceTimeout(flushed, timeout));
  }

  /**
   * Stops intake, delivers what it can within `timeout` ms, then gives up and reports
   * what is left in `undelivered`. Keeps the process alive until it settles. Never rejects;
   * calling it again returns the same report.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    if (this.#shutdown === undefined) {
      const timeout = checkTimeout(options, 'shutdown') ?? 10_000;
      this.#shutdown = this.#keepAlive.around(
        drainAndStop(this.#queue, this.#transport, this.#options.logger, timeout),
      );
    }
    return this.#shutdown;
  }

  /**
   * With a `spool`: resolves once every event accepted before the call is written to it (and
   * fsynced, per `spool.fsync`), so it survives a crash of this process; an event whose write
   * failed counts as settled (it was reported to `onError`). Without a spool there is nothing
   * to wait for and it resolves at once. Keeps the process alive until then. Never rejects.
   *
   * @example
   * audit.enqueue(event);
   * await audit.durable(); // now a SIGKILL cannot lose it
   */
  durable(): Promise<void> {
    if (this.#spool === undefined) return Promise.resolve();
    return this.#keepAlive.around(this.#spool.durable());
  }

  /** Delivery counters; `accepted = delivered + dropped.total + queued + inFlight` always holds. */
  stats(): DeliveryStats {
    const u = this.#unrecorded;
    const stats: DeliveryStats = {
      ...this.#queue.stats(),
      unrecorded: {
        ...u,
        total: u.mapper_error + u.mapper_timeout + u.no_action + u.no_resource + u.invalid + u.closed,
      },
    };
    if (this.#spool !== undefined) stats.spool = this.#spool.stats();
    return stats;
  }

  /** Counts a request an adapter could not record (see `stats().unrecorded`). */
  [kCountUnrecorded](reason: UnrecordedReason): void {
    if (reason in this.#unrecorded) this.#unrecorded[reason]++;
  }

  /** `maxEventBytes`, for adapters that cut oversized metadata rather than lose the event. */
  get [kMaxEventBytes](): number {
    return this.#options.maxEventBytes;
  }

  /** `text` with every key this client has used replaced, for messages adapters build from app errors. */
  [kScrub](text: string): string {
    return scrub(text, this.#secrets);
  }

  /** Holds `flush()` until an adapter's event built by async mappers is enqueued (or given up). */
  [kTrackBuild](built: Promise<void>): void {
    this.#building.add(built);
    built.then(
      () => this.#building.delete(built),
      () => this.#building.delete(built),
    );
  }

  /** Rotates the API key: later requests use it, and a pipeline paused by a 401 resumes at once. */
  setApiKey(apiKey: string): void {
    this.#apiKey = resolveApiKey(apiKey);
    this.#headers.setApiKey(this.#apiKey);
    this.#rememberKey(this.#apiKey);
    this.#queue.setApiKey(this.#apiKey);
  }

  // The key lives in private fields, which neither inspect nor JSON show; these make it explicit.
  [inspect.custom](): string {
    return `AuditLedge { baseUrl: '${this.#options.baseUrl}', state: '${this.#queue.state}' }`;
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.#options.baseUrl, stats: this.stats() };
  }

  #accept(
    event: AuditEventInput,
    options: EnqueueOptions | undefined,
    deferred: Deferred | undefined,
  ): string {
    if (this.#shutdown !== undefined) {
      throw new AuditLedgeError(
        'AL_ERR_CLOSED',
        'This AuditLedge client was shut down; it accepts no more events',
      );
    }
    // One clock reading for the timestamp, the id and the queue's age check: each read costs ~35 ns here.
    const now = Date.now();
    let payload: EventPayload;
    let body: string;
    try {
      payload = toPayload(event, now);
      body = JSON.stringify(payload);
    } catch (err) {
      if (err instanceof AuditLedgeError) throw err;
      // A getter or toJSON() of the app's object threw (a lazy ORM field, say).
      throw new AuditLedgeValidationError(
        'event',
        `could not be read or serialized: ${(err as Error)?.message ?? err}`,
      );
    }
    const bytes = Buffer.byteLength(body);
    if (bytes > this.#options.maxEventBytes) {
      throw new AuditLedgeValidationError(
        payload.metadata ? 'metadata' : 'event',
        `the event is ${bytes} bytes serialized, over maxEventBytes (${this.#options.maxEventBytes})`,
      );
    }
    let id: string;
    if (options?.id !== undefined) {
      if (typeof options.id !== 'string' || !HEADER_SAFE.test(options.id)) {
        throw new AuditLedgeValidationError('options.id', 'must be 1-200 visible ASCII characters');
      }
      id = options.id;
    } else {
      id = uuidv7(now);
    }
    this.#queue.add(id, body, bytes, deferred, now);
    return id;
  }

  #rememberKey(key: string): void {
    this.#secrets = withSecret(this.#secrets, key);
  }

  /** `GET https://api.auditledge.com/v1/events?limit=5`, for error messages. */
  #label(method: string, path: string): RequestLabel {
    return { method, url: this.#displayBase + path };
  }

  /** A GET with the client's auth and timeout, retrying transient failures `readRetries` times. */
  async #read(path: () => string, signal?: AbortSignal): Promise<string> {
    if (this.#shutdown !== undefined) throw closedForReads();
    const request: TransportRequest = {
      method: 'GET',
      path: path(),
      headers: this.#headers.read(),
      timeout: this.#options.timeout,
      signal,
    };
    return readWithRetries(
      this.#transport,
      request,
      this.#label('GET', request.path),
      () => this.#secrets,
      this.#options,
    );
  }

  #report(error: AuditLedgeError, context: ErrorContext): void {
    const { onError, logger } = this.#options;
    logger?.warn?.({ err: error.toJSON(), ...context }, `auditledge: ${error.message}`);
    if (onError === undefined) return;
    try {
      quiet(onError(error, context));
    } catch (err) {
      logger?.error?.({ err }, 'auditledge: onError threw');
    }
  }
}
