import { inspect } from 'node:util';
import { backoffDelay } from './backoff.js';
import { type Deferred, DeliveryQueue, type QueuedEvent, toUndelivered } from './deliveryQueue.js';
import { AuditLedgeError, AuditLedgeValidationError } from './errors.js';
import { createHttpTransport } from './httpTransport.js';
import {
  type ClientOptions,
  type ErrorContext,
  type ResolvedOptions,
  resolveApiKey,
  resolveOptions,
} from './options.js';
import { classifyResponse, networkError, type Outcome } from './outcome.js';
import { buildQuery } from './query.js';
import type { Transport, TransportRequest } from './transport.js';
import type {
  AuditEventInput,
  DeliveryStats,
  EnqueueOptions,
  ExportOptions,
  QueryFilters,
  QueryResult,
  ShutdownOptions,
  ShutdownReport,
  StoredEvent,
  Usage,
} from './types.js';
import { uuidv7 } from './uuid.js';
import { type EventPayload, validateEvent } from './validate.js';

const VERSION = '0.1.0';
const READ_RETRIES = 2;
const noop = () => {};
const HEADER_SAFE = /^[\x21-\x7e]{1,200}$/;

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
  #authorization: string;
  readonly #options: ResolvedOptions;
  readonly #transport: Transport;
  readonly #queue: DeliveryQueue;
  readonly #userAgent: string;
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(apiKey?: string, options: ClientOptions = {}) {
    this.#apiKey = resolveApiKey(apiKey);
    this.#authorization = `Bearer ${this.#apiKey}`;
    this.#options = resolveOptions(options);
    const o = this.#options;
    this.#userAgent = `auditledge-node/${VERSION}${o.userAgent ? ` ${o.userAgent}` : ''}`;
    this.#transport =
      o.transport ??
      createHttpTransport({ baseUrl: o.baseUrl, connections: o.concurrency, connectTimeout: o.timeout });
    this.#queue = new DeliveryQueue(o, {
      observed: o.onError !== undefined || o.onDrop !== undefined || o.logger !== undefined,
      deliver: (event) => this.#deliver(event),
      report: (error, context) => this.#report(error, context),
      dropped: (event, reason) => {
        if (o.onDrop === undefined) return;
        try {
          o.onDrop(toUndelivered(event), reason);
        } catch (err) {
          o.logger?.error?.({ err }, 'auditledge: onDrop threw');
        }
      },
    });
  }

  /** The API origin this client talks to. */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /**
   * Queues an event and resolves with the stored event once the API has persisted it (201).
   * Rejects with `AuditLedgeValidationError` before any request, or `AuditLedgeError` if it is dropped.
   * An unawaited `log()` never becomes an unhandled rejection.
   */
  log(event: AuditEventInput, options?: EnqueueOptions): Promise<StoredEvent> {
    let deferred: Deferred | undefined;
    const promise = new Promise<StoredEvent>((resolve, reject) => {
      deferred = {
        resolve: (body) => {
          try {
            resolve(parseStored(body));
          } catch (err) {
            reject(err);
          }
        },
        reject,
      };
    });
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

  /** Resolves when every event queued before the call is delivered or dropped. Concurrent calls share work. */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /**
   * Stops intake, delivers what it can within `timeout` ms, then gives up and reports
   * what is left in `undelivered`. Never rejects; calling it again returns the same report.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    this.#shutdown ??= this.#runShutdown(options.timeout ?? 10_000);
    return this.#shutdown;
  }

  /** Delivery counters; `accepted = delivered + dropped.total + queued + inFlight` always holds. */
  stats(): DeliveryStats {
    return this.#queue.stats();
  }

  /** Rotates the API key: later requests use it, and a pipeline paused by a 401 resumes at once. */
  setApiKey(apiKey: string): void {
    this.#apiKey = resolveApiKey(apiKey);
    this.#authorization = `Bearer ${this.#apiKey}`;
    this.#queue.resumeIfUnauthorized();
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
    let payload: EventPayload;
    let body: string;
    try {
      payload = validateEvent(event);
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
      id = uuidv7();
    }
    this.#queue.add(id, body, bytes, deferred);
    return id;
  }

  #headers(idempotencyKey?: string): Record<string, string> {
    if (idempotencyKey === undefined) {
      return {
        authorization: this.#authorization,
        'user-agent': this.#userAgent,
        accept: 'application/json',
      };
    }
    return {
      authorization: this.#authorization,
      'user-agent': this.#userAgent,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
    };
  }

  #deliver(event: QueuedEvent): Promise<Outcome> {
    const request: TransportRequest = {
      method: 'POST',
      path: '/v1/events',
      headers: this.#headers(event.id),
      body: event.body,
      timeout: this.#options.timeout,
    };
    return this.#transport.request(request).then(
      (res) => classifyResponse(res, this.#apiKey),
      (err: unknown) => ({
        type: 'retry' as const,
        error: networkError(err, this.#apiKey),
        retryAfter: undefined,
      }),
    );
  }

  /** A GET with the client's auth and timeout, retrying transient failures a couple of times. */
  async #read(path: () => string): Promise<string> {
    const request: TransportRequest = {
      method: 'GET',
      path: path(),
      headers: this.#headers(),
      timeout: this.#options.timeout,
    };
    for (let attempt = 0; ; attempt++) {
      let outcome: Outcome;
      try {
        outcome = classifyResponse(await this.#transport.request(request), this.#apiKey);
      } catch (err) {
        outcome = { type: 'retry', error: networkError(err, this.#apiKey), retryAfter: undefined };
      }
      if (outcome.type === 'delivered') return outcome.body;
      if (outcome.type !== 'retry' || attempt >= READ_RETRIES) throw outcome.error;
      const delay =
        outcome.retryAfter ??
        backoffDelay(attempt + 1, this.#options.retryBaseDelay, this.#options.maxRetryDelay);
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, this.#options.maxRetryDelay)));
    }
  }

  async #runShutdown(timeout: number): Promise<ShutdownReport> {
    let timer: NodeJS.Timeout | undefined;
    // Nothing can be delivered while paused by a 401/429: hand the events back at once.
    if (!this.#queue.paused) {
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeout));
      });
      await Promise.race([this.#queue.flush(), deadline]);
      clearTimeout(timer);
    }
    const undelivered = this.#queue.stop();
    try {
      await (undelivered.length > 0 ? this.#transport.destroy?.() : this.#transport.close?.());
    } catch (err) {
      this.#options.logger?.warn?.({ err }, 'auditledge: closing the transport failed');
    }
    const stats = this.#queue.stats();
    return {
      delivered: stats.delivered,
      dropped: stats.dropped.total - stats.dropped.shutdown,
      pending: undelivered.length,
      undelivered,
    };
  }

  #report(error: AuditLedgeError, context: ErrorContext): void {
    const { onError, logger } = this.#options;
    logger?.warn?.({ err: error.toJSON(), ...context }, `auditledge: ${error.message}`);
    if (onError === undefined) return;
    try {
      onError(error, context);
    } catch (err) {
      logger?.error?.({ err }, 'auditledge: onError threw');
    }
  }
}

function parseJson<T>(body: string): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new AuditLedgeError(
      'AL_ERR_INVALID_RESPONSE',
      'The Auditledge API answered with a body that is not JSON',
    );
  }
}

function parseStored(body: string): StoredEvent {
  const parsed = parseJson<{ event?: StoredEvent }>(body);
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.event?.id !== 'string') {
    throw new AuditLedgeError(
      'AL_ERR_INVALID_RESPONSE',
      'The Auditledge API stored the event (201) but its answer did not contain it',
      { status: 201 },
    );
  }
  return parsed.event;
}
