import { monotonicNow } from './clock.js';
import { mergeMetadata } from './redact.js';
import type { ResolvedSpec } from './spec.js';
import type { AuditHandle, AuditOverrides, ExtraAuditEvent } from './types.js';

/**
 * The request-scoped state behind `req.audit`: what the handler set, skipped or logged, the
 * per-route spec, and what the adapter captured on the way. One allocation per request;
 * adapters subclass it to keep their framework objects and override `arm()`.
 *
 * @example
 * const state = new RequestAudit();
 * state.set({ resource: { name: 'INV-1' } }).set({ metadata: { old_value: 'draft', new_value: 'paid' } });
 * recorder.finish(state, facts); // after the response has finished
 */
export class RequestAudit<Req = unknown> implements AuditHandle {
  /** `monotonicNow()` when the middleware saw the request. */
  readonly start: number;
  /** The route's `audit()` / `config.audit` declaration, if any. */
  spec: ResolvedSpec<Req> | false | undefined = undefined;
  /** What `set()` merged so far. */
  overrides: AuditOverrides | undefined = undefined;
  skipped = false;
  /** Events passed to `log()`. */
  events: ExtraAuditEvent[] | undefined = undefined;
  /** A JSON response body (object or string), kept when the resource id may come from it. */
  body: unknown = undefined;
  /** Set once the adapter listens for the end of the response. */
  armed = false;
  /** What `set()` threw, reported instead of sending the request's event. */
  failure: unknown = undefined;
  /** Set once the recorder has handled the request: its events are built at most once. */
  finished = false;
  /** The handle given to the app, made on first use. */
  private userHandle: AuditHandle | undefined = undefined;

  constructor(start: number = monotonicNow()) {
    this.start = start;
  }

  /**
   * What the app holds as `req.audit` / `ctx.state.audit` / `request.audit`: `set`, `skip` and
   * `log`, with this state behind a private field, so the handle serializes to `{}` and
   * `JSON.stringify(ctx.state)` or `util.inspect(req.audit)` cannot reach the request (its
   * `Authorization` and `Cookie` headers) or the response through it.
   */
  get handle(): AuditHandle {
    this.userHandle ??= new RequestAuditHandle(this as RequestAudit<unknown>);
    return this.userHandle;
  }

  set(overrides: AuditOverrides): this {
    if (overrides === null || typeof overrides !== 'object') return this;
    // Called from the handler: never throws into it. A getter that throws (a lazy ORM field
    // read after its session closed) is reported when the response finishes, and the
    // request's event is not sent half-built.
    try {
      this.merge(overrides);
    } catch (error) {
      this.failure ??= error ?? new Error('req.audit.set() failed');
    }
    return this;
  }

  private merge(overrides: AuditOverrides): void {
    const current = this.overrides;
    if (current === undefined) {
      this.overrides = {
        ...overrides,
        resource: overrides.resource && { ...overrides.resource },
        metadata: overrides.metadata && mergeMetadata({}, overrides.metadata),
      };
      return;
    }
    for (const key of ['action', 'actor', 'organization_id', 'organization'] as const) {
      if (overrides[key] !== undefined) (current as Record<string, unknown>)[key] = overrides[key];
    }
    if (overrides.resource) current.resource = { ...current.resource, ...overrides.resource };
    if (overrides.metadata) current.metadata = mergeMetadata(current.metadata ?? {}, overrides.metadata);
  }

  skip(): void {
    this.skipped = true;
  }

  log(event: ExtraAuditEvent): void {
    if (event === null || typeof event !== 'object') return;
    // A copy, so the handler may reuse its object; built into the event after the response.
    // If even copying throws, the original is kept: reading it again then reports the error.
    let copy: ExtraAuditEvent;
    try {
      copy = { ...event };
    } catch {
      copy = event;
    }
    if (this.events === undefined) this.events = [];
    this.events.push(copy);
    this.arm();
  }

  /** Makes sure the adapter will call the recorder when the response finishes. */
  arm(): void {
    this.armed = true;
  }
}

/** The request-scoped handle the app sees: nothing enumerable, nothing to serialize. */
class RequestAuditHandle implements AuditHandle {
  readonly #state: RequestAudit<unknown>;

  constructor(state: RequestAudit<unknown>) {
    this.#state = state;
  }

  set(overrides: AuditOverrides): this {
    this.#state.set(overrides);
    return this;
  }

  skip(): void {
    this.#state.skip();
  }

  log(event: ExtraAuditEvent): void {
    this.#state.log(event);
  }
}
