import type { AuditLedge } from '../client.js';
import { AuditLedgeError, AuditLedgeValidationError } from '../errors.js';
import type { AuditEventInput } from '../types.js';
import { type ResolvedAuditOptions, resolveAuditOptions } from './auditOptions.js';
import { monotonicNow } from './clock.js';
import { deriveRoute, isLoginRoute } from './deriveRoute.js';
import { EventResolver, PENDING } from './eventResolver.js';
import type { FinishedRequest } from './finishedRequest.js';
import { fitMetadata } from './fitMetadata.js';
import type { RequestAudit } from './requestAudit.js';
import { type ResolvedSpec, SPEC_KEYS } from './spec.js';
import type { AuditOptions } from './types.js';
import {
  countUnrecorded,
  emitWarning,
  scrubSecrets,
  trackBuild,
  UnrecordedError,
  unrecordedReason,
  warnUnrecorded,
} from './unrecorded.js';

/**
 * The part of an adapter that is the same in every framework: it owns the normalized options
 * and the client, and turns a finished request into `client.enqueue()` calls. `finish()` never
 * throws and never makes the request wait: failures go to `onError`. When a mapper returns a
 * promise, the rest of the build waits for it (at most `mapperTimeout` ms) after the response.
 *
 * @example
 * const recorder = new AuditRecorder<Request>({ client });
 * // in the framework's finish hook:
 * recorder.finish(state, { req, method, route, path, params, status, durationMs, user, ip, userAgent, requestId });
 */
export class AuditRecorder<Req> {
  readonly options: ResolvedAuditOptions<Req>;
  /** Reasons already warned about (without `onError`): one warning per reason, not per request. */
  private readonly warned = new Set<string>();
  /** Whether a global option is a mapper (which may read `info.body`). */
  private readonly globalMappers: boolean;

  /** Throws at setup time on bad options or when no API key can be found. */
  constructor(options?: AuditOptions<Req>) {
    this.options = resolveAuditOptions(options);
    this.globalMappers = hasMapper(this.options.spec);
  }

  get client(): AuditLedge {
    return this.options.client;
  }

  /**
   * Whether the response body is worth keeping for a route: a create may take its id from it,
   * and a mapper (global or the route's) may read it as `info.body`. For adapters that pay to
   * keep it (a Fastify `onSend` hook, a Nest `tap`); cheap enough per request (the template's
   * derivation is cached).
   */
  keepsBody(template: string, spec: ResolvedSpec<Req> | false | undefined): boolean {
    if (spec === false) return false;
    return this.globalMappers || hasMapper(spec) || deriveRoute(template).idParam === undefined;
  }

  /** Whether the adapter created the client, and so should shut it down. */
  get ownsClient(): boolean {
    return this.options.ownsClient;
  }

  /**
   * Whether a request is audited when it finishes well: its route declared a spec (whatever
   * the method) or, without one, its method is audited by default; never a route that opted
   * out. Adapters ask it to decide which requests to watch from the start; `req.audit.log()`
   * also makes a request watched. With `finish()`, the only place that decides.
   */
  watches(method: string, spec?: ResolvedSpec<Req> | false): boolean {
    if (spec !== undefined) return spec !== false;
    return this.options.methods === undefined || this.options.methods.has(method);
  }

  /** Builds and enqueues the request's events. Call once, after the response has finished. */
  finish(state: RequestAudit<Req>, facts: FinishedRequest<Req>): void {
    if (state.finished) return;
    state.finished = true;
    try {
      const spec = state.spec;
      const wanted =
        !state.skipped &&
        facts.route !== undefined &&
        this.watches(facts.method, spec) &&
        (this.options.isAuditedStatus(facts.status) || this.failedLogin(facts));
      if (!wanted && state.events === undefined) return;
      const resolver = new EventResolver(this.options, state, facts, spec || undefined);
      const building = this.build(resolver, wanted ? 0 : 1, state, facts, undefined);
      // client.flush() waits for it, so what a finished request records is flushed too.
      if (building !== undefined) trackBuild(this.options.client, building);
    } catch (error) {
      this.report(error, facts);
    }
  }

  /** A 401/403 on a login route, recorded when `auditFailedLogins` is on. */
  private failedLogin(facts: FinishedRequest<Req>): boolean {
    return (
      this.options.auditFailedLogins &&
      (facts.status === 401 || facts.status === 403) &&
      isLoginRoute(deriveRoute(facts.route!), facts.method)
    );
  }

  /**
   * Builds and enqueues the events from `step` on: step 0 is the request's own event, step i
   * the i-th event passed to `req.audit.log()`. A step whose mapper is still pending is
   * resumed once it settles; `deadline` bounds the whole wait of the request. Returns
   * `undefined` when done, or a promise (that never rejects) of the rest of the build.
   */
  private build(
    resolver: EventResolver<Req>,
    step: number,
    state: RequestAudit<Req>,
    facts: FinishedRequest<Req>,
    deadline: number | undefined,
  ): Promise<void> | undefined {
    const events = state.events;
    const last = events === undefined ? 0 : events.length;
    for (; step <= last; step++) {
      try {
        if (step === 0) {
          if (state.failure !== undefined) throw state.failure;
          if (!resolver.skipped()) this.enqueue(resolver.requestEvent(), facts);
        } else {
          this.enqueue(resolver.extraEvent(events![step - 1]!), facts);
        }
      } catch (error) {
        if (error === PENDING) {
          if (step === 0) resolver.startMappers();
          return this.await(resolver, step, state, facts, deadline);
        }
        this.report(error, facts);
      }
    }
    return undefined;
  }

  /** The async path: waits for the pending mappers (within the deadline), then builds on. */
  private await(
    resolver: EventResolver<Req>,
    step: number,
    state: RequestAudit<Req>,
    facts: FinishedRequest<Req>,
    deadline: number | undefined,
  ): Promise<void> {
    const timeout = this.options.mapperTimeout;
    const until = deadline ?? monotonicNow() + timeout;
    const settled = resolver.settled() ?? Promise.resolve();
    return within(settled, until - monotonicNow()).then((timedOut) => {
      if (timedOut) resolver.timeOut(timeout);
      try {
        return this.build(resolver, step, state, facts, until);
      } catch (error) {
        this.report(error, facts);
        return undefined;
      }
    });
  }

  /**
   * Enqueues an event; one the client refuses for its metadata (over `maxEventBytes`, or a
   * value JSON cannot hold) is sent with the metadata cut to fit and `metadata_truncated: true`
   * rather than lost, and reported. Only that failure pays for the cut.
   */
  private enqueue(event: AuditEventInput, facts: FinishedRequest<Req>): void {
    const client = this.options.client;
    try {
      client.enqueue(event);
    } catch (error) {
      if (!(error instanceof AuditLedgeValidationError) || !error.field.startsWith('metadata')) throw error;
      const max = (client as { [kMaxEventBytes]?: unknown })[kMaxEventBytes];
      const fitted = fitMetadata(event, typeof max === 'number' ? max : Number.POSITIVE_INFINITY);
      if (fitted === undefined) throw error;
      client.enqueue(fitted);
      this.reportTruncated(error, facts);
    }
  }

  /** The event was recorded with cut metadata: `onError`, or one warning per recorder. */
  private reportTruncated(cause: AuditLedgeValidationError, facts: FinishedRequest<Req>): void {
    const onError = this.options.onError;
    const message =
      `cut to fit for ${facts.method} ${facts.route ?? '(no route)'}, the event recorded with ` +
      `metadata_truncated: true (${cause.message})`;
    if (onError === undefined) {
      if (this.warned.has('metadata_truncated')) return;
      this.warned.add('metadata_truncated');
      emitWarning(
        'Auditledge: an audit event was recorded with its metadata cut to fit maxEventBytes or JSON ' +
          '(marked metadata_truncated: true). Pass onError to the audit middleware to see every case. ' +
          'This warning is shown once.',
        'AUDITLEDGE_METADATA_TRUNCATED',
        message,
      );
      return;
    }
    try {
      const err = new AuditLedgeValidationError('metadata', message);
      const result: unknown = onError(err, { operation: 'mapper', route: facts.route, method: facts.method });
      if (result instanceof Promise) result.catch(noop);
    } catch {
      // onError is the last stop.
    }
  }

  /**
   * A request whose event could not be built or enqueued: counted in `stats().unrecorded` by
   * reason, then handed to `onError` as `AL_ERR_MAPPER` with the route and method, or, with no
   * `onError`, warned about once per reason. Never throws.
   */
  report(error: unknown, facts: Pick<FinishedRequest<Req>, 'method' | 'route'>): void {
    const reason = unrecordedReason(error);
    countUnrecorded(this.options.client, reason);
    const onError = this.options.onError;
    const err =
      error instanceof AuditLedgeError && !(error instanceof AuditLedgeValidationError)
        ? error
        : new UnrecordedError(
            reason,
            scrubSecrets(
              this.options.client,
              `Audit event for ${facts.method} ${facts.route ?? '(no route)'} not recorded: ${messageOf(error)}`,
            ),
            { cause: error },
          );
    if (onError === undefined) {
      warnUnrecorded(this.warned, reason, err);
      return;
    }
    try {
      const result: unknown = onError(err, { operation: 'mapper', route: facts.route, method: facts.method });
      // An async onError that rejects must not become an unhandled rejection.
      if (result instanceof Promise) result.catch(noop);
    } catch {
      // onError is the last stop: an error thrown there has nowhere to go but the request.
    }
  }
}

const noop = () => {};

/** Whether a spec has a mapper, which may read `info.body`. */
function hasMapper<Req>(spec: ResolvedSpec<Req> | undefined): boolean {
  return spec !== undefined && SPEC_KEYS.some((key) => typeof spec[key] === 'function');
}
/** `maxEventBytes` of an `AuditLedge` client (a registered symbol: it crosses package copies). */
const kMaxEventBytes = Symbol.for('auditledge.maxEventBytes');

/** Resolves `true` after `ms` (an unref'd timer), or `false` once `promise` settles if sooner. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms), true);
    // A pending mapper must not keep the process alive; an awaited flush() does.
    timer.unref?.(); // optional: under a jsdom test environment timers are numbers
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(false);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
