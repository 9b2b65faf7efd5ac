import type { Actor, AuditEventInput, Resource, UnrecordedReason } from '../types.js';
import type { ResolvedAuditOptions } from './auditOptions.js';
import { deriveAction, deriveRoute, isLoginRoute, type RouteDerivation } from './deriveRoute.js';
import { type FinishedRequest, routeParamsOf } from './finishedRequest.js';
import { ANONYMOUS_ACTOR, organizationOf, toActor, toId } from './identity.js';
import { mergeMetadata } from './redact.js';
import type { RequestAudit } from './requestAudit.js';
import { bodyObject, bodyValue, idFromBody } from './responseId.js';
import type { ResolvedSpec } from './spec.js';
import type { AuditInfo, ExtraAuditEvent, ResourceInput } from './types.js';
import { UnrecordedError } from './unrecorded.js';

const tokenFields = ['token', 'accessToken', 'access_token', 'jwt', 'idToken', 'id_token'] as const;

/**
 * The subject of a JWT found in a body's token field (`sub`, `id` or `userId` of its payload),
 * decoded without verification: the app just issued it. The token itself is never kept.
 */
function tokenSubject(body: Record<string, unknown>): string | undefined {
  for (const field of tokenFields) {
    const token = body[field];
    if (typeof token !== 'string' || token.length > 8192) continue;
    const parts = token.split('.');
    if (parts.length !== 3) continue;
    try {
      const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
      const subject = payload !== null && typeof payload === 'object' ? toActor(payload)?.id : undefined;
      if (subject !== undefined) return subject;
    } catch {
      // Not a JWT: an opaque token says nothing about who holds it.
    }
  }
  return undefined;
}

/**
 * The user a login or password-reset request names: `email`, `username` or `login`, at the top
 * of the body or under `user`. Nothing else of the body is read (never the password).
 */
function namedUser(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  for (const source of [b, b.user]) {
    if (source === null || typeof source !== 'object') continue;
    const s = source as Record<string, unknown>;
    for (const field of ['email', 'username', 'login']) {
      const value = s[field];
      if (typeof value === 'string' && value !== '' && value.length <= 320) return value;
    }
  }
  return undefined;
}

const noParams: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Thrown by a resolver method (and caught by the recorder, never further) when a mapper it
 * needs returned a promise that has not settled: the recorder awaits `resolver.settled()`, then
 * calls the method again, which finds every mapper's value memoized.
 */
export const PENDING: unique symbol = Symbol('auditledge.pendingMapper');

/** The mappers of one request, each called at most once. */
type Slot = 'skip' | 'action' | 'actor' | 'resource' | 'organization' | 'metadata' | 'routeMetadata';

/** A memoized mapper that threw, rejected or timed out: every use throws its error again. */
class MapperFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Resolves the events of one finished request: global options, then the per-route spec, then
 * `req.audit.set()` overrides, over the route-template defaults. The actor and organization
 * are resolved once and shared with the events passed to `req.audit.log()`.
 */
export class EventResolver<Req> {
  private readonly req: Req;
  private readonly route: RouteDerivation | undefined;
  private readonly params: Readonly<Record<string, string>>;
  private infoCache: AuditInfo | undefined;
  private actorCache: Actor | undefined;
  private orgCache: string | null | undefined;
  /** What each mapper called so far returned (PENDING while its promise is out). */
  private memo: Partial<Record<Slot, unknown>> | undefined;
  /** The promises of async mappers not settled yet; only an async mapper creates this. */
  private waits: Promise<void>[] | undefined;

  constructor(
    private readonly options: ResolvedAuditOptions<Req>,
    private readonly state: RequestAudit<Req>,
    private readonly facts: FinishedRequest<Req>,
    private readonly spec: ResolvedSpec<Req> | undefined,
  ) {
    this.req = facts.req;
    this.route = facts.route === undefined ? undefined : deriveRoute(facts.route);
    this.params = routeParamsOf(facts.params, facts.route, facts.path) ?? noParams;
  }

  get info(): AuditInfo {
    const f = this.facts;
    this.infoCache ??= {
      method: f.method,
      route: f.route ?? '',
      path: f.path,
      params: this.params,
      status: f.status,
      durationMs: f.durationMs,
      body: bodyValue(this.state.body),
    };
    return this.infoCache;
  }

  /** Whether the `skip` option or spec says to record nothing for this request. */
  skipped(): boolean {
    const skip = this.spec?.skip ?? this.options.spec.skip;
    return typeof skip === 'function' ? Boolean(this.call('skip', skip)) : skip === true;
  }

  /** The event of the request itself. */
  requestEvent(): AuditEventInput {
    const f = this.facts;
    const o = this.state.overrides;
    const derived =
      this.route === undefined
        ? undefined
        : f.status >= 400 && isLoginRoute(this.route, f.method)
          ? 'user.login_failed'
          : deriveAction(this.route, f.method);
    const action = (o?.action ?? this.pick('action') ?? derived) as string | undefined;
    if (typeof action !== 'string' || action.trim() === '')
      throw this.missing('action', 'an action', 'no_action');
    const metadata: Record<string, unknown> = {};
    if (f.ip !== undefined) metadata.ip = f.ip;
    if (f.userAgent !== undefined) metadata.user_agent = f.userAgent;
    if (f.requestId !== undefined) metadata.request_id = f.requestId;
    metadata.method = f.method;
    metadata.route = f.route;
    metadata.path = f.path;
    metadata.status = f.status;
    metadata.duration_ms = Math.round(f.durationMs * 100) / 100;
    if (f.aborted === true) metadata.aborted = true;
    // Metadata adds up (defaults, global, route, handler) where the other fields replace.
    mergeMetadata(metadata, this.value('metadata', this.options.spec.metadata));
    if (this.spec) mergeMetadata(metadata, this.value('routeMetadata', this.spec.metadata));
    if (o?.metadata) mergeMetadata(metadata, o.metadata);
    return this.withOrganization({
      actor: this.actor(),
      action,
      resource: this.resource(),
      metadata: this.options.redact.owned(metadata) as AuditEventInput['metadata'],
    });
  }

  /** An event from `req.audit.log()`, completed with the request's actor and organization. */
  extraEvent(e: ExtraAuditEvent): AuditEventInput {
    const r = e.resource;
    const event: AuditEventInput = {
      actor: e.actor === undefined ? this.actor() : this.strictActor(e.actor, 'log() event actor'),
      action: e.action,
      resource: r === null || typeof r !== 'object' ? r : { ...r, id: toId(r.id) ?? (r.id as string) },
    };
    if (e.metadata !== undefined) {
      event.metadata = this.options.redact.owned(
        mergeMetadata({}, e.metadata),
      ) as AuditEventInput['metadata'];
    }
    if (e.timestamp !== undefined) event.timestamp = e.timestamp;
    if (e.organization_id !== undefined) {
      if (e.organization_id !== null) event.organization_id = toId(e.organization_id) ?? null;
      return event;
    }
    return this.withOrganization(event);
  }

  private actor(): Actor {
    if (this.actorCache === undefined) {
      const given = this.state.overrides?.actor ?? this.pick('actor');
      this.actorCache =
        given === undefined || given === null
          ? (toActor(this.facts.user) ?? this.signedInActor() ?? ANONYMOUS_ACTOR)
          : this.strictActor(given, 'actor');
    }
    return this.actorCache;
  }

  /**
   * On a login, sign-up or token refresh there is no authenticated user yet: the actor is the
   * user the response describes (`{ user: {...} }`, `{ data: {...} }` or the body itself), its id
   * from the id fields or else from the subject of the token it was given (read, never stored),
   * else its username or email.
   */
  private signedInActor(): Actor | undefined {
    if (!this.signsIn()) return undefined;
    const body = bodyObject(this.state.body);
    if (body === undefined) return undefined;
    for (const candidate of [body.user, body.data, body]) {
      if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) continue;
      const c = candidate as Record<string, unknown>;
      const id = toActor(c)?.id ?? tokenSubject(c) ?? tokenSubject(body) ?? toId(c.username) ?? toId(c.email);
      if (id === undefined) continue;
      // Named and reached as toActor() would, from the same fields.
      return { ...toActor({ ...c, id }), id };
    }
    return undefined;
  }

  /**
   * Whether this request signs a user in: a login, a token refresh, a sign-up, or a POST to the
   * users collection by nobody signed in (a self sign-up; an admin creating a user is not one).
   */
  private signsIn(): boolean {
    const route = this.route;
    const method = this.facts.method;
    switch (route?.auth) {
      case 'login':
      case 'signup':
      case 'token_refreshed':
        return true;
      case 'session':
        return method === 'POST';
      case undefined:
        return (
          route?.type === 'user' &&
          method === 'POST' &&
          route.idParam === undefined &&
          route.verb === undefined &&
          route.owner === undefined &&
          toActor(this.facts.user) === undefined
        );
      default:
        return false;
    }
  }

  private strictActor(given: unknown, what: string): Actor {
    const actor = toActor(given);
    if (actor === undefined) throw this.missing(what, 'an actor with an id', 'invalid');
    return actor;
  }

  private withOrganization(event: AuditEventInput): AuditEventInput {
    const organization = this.organization();
    if (organization !== null) event.organization_id = organization;
    return event;
  }

  /** The request's organization id, `null` for none; resolved once. */
  private organization(): string | null {
    if (this.orgCache === undefined) {
      const o = this.state.overrides;
      const given =
        o?.organization_id !== undefined ? o.organization_id : (o?.organization ?? this.pick('organization'));
      if (given === null) this.orgCache = null;
      else if (given !== undefined) this.orgCache = toId(given) ?? null;
      else {
        const param = this.route?.orgParam;
        this.orgCache =
          organizationOf(this.facts.user) ?? (param === undefined ? undefined : this.params[param]) ?? null;
      }
    }
    return this.orgCache;
  }

  private resource(): Resource {
    const route = this.route;
    const idParam = route?.idParam;
    let type = route?.type;
    let id = idParam === undefined ? undefined : this.params[idParam];
    let name: string | null | undefined;
    for (const input of [this.pick('resource'), this.state.overrides?.resource]) {
      if (input === undefined || input === null) continue;
      if (typeof input === 'string') {
        type = input;
        continue;
      }
      const r = input as ResourceInput;
      if (r.type !== undefined) type = r.type;
      if (r.id !== undefined) id = toId(r.id) ?? (r.id as string);
      if (r.name !== undefined) name = r.name;
    }
    if (id === undefined && route !== undefined && route.type === type) {
      if (route.owner !== undefined) id = this.ownerId(route.owner);
      else if (this.signsIn()) id = this.ownerId('actor');
    }
    id ??= idFromBody(this.state.body, type, this.itemIdField(route, type));
    // A failed login or a password reset asked for by nobody signed in: the user it names.
    if (
      id === undefined &&
      route?.auth !== undefined &&
      route.type === type &&
      this.actor().id === ANONYMOUS_ACTOR.id
    ) {
      id = namedUser(this.facts.requestBody) ?? (this.facts.status >= 400 ? 'unknown' : undefined);
    }
    if (type === undefined || type === '')
      throw this.missing('resource.type', 'a resource type', 'no_resource');
    if (id === undefined || id === '') throw this.missing('resource.id', 'a resource id', 'no_resource');
    return name === undefined ? { type, id } : { type, id, name };
  }

  /**
   * The body field the app's item routes use for a create's collection (`slug` when it declares
   * `/articles/:slug`), looked up only for a create that has a body to read it from.
   */
  private itemIdField(route: RouteDerivation | undefined, type: string | undefined): string | undefined {
    const routes = this.facts.declaredRoutes;
    if (routes === undefined || route === undefined || this.state.body === undefined) return undefined;
    if (route.idParam !== undefined || route.owner !== undefined || route.type !== type) return undefined;
    return routes.idField(route.template);
  }

  /**
   * The id a current-user form (`PUT /user`, `/me`) or a current-organization form
   * (`/organization`, `/billing`) stands for: the actor's (unless anonymous) or the organization's.
   */
  private ownerId(owner: 'actor' | 'organization'): string | undefined {
    if (owner === 'organization') return this.organization() ?? undefined;
    const actor = this.actor();
    return actor === ANONYMOUS_ACTOR || actor.id === ANONYMOUS_ACTOR.id ? undefined : actor.id;
  }

  /** The per-route value of a key if the route sets it, else the global one, mapped. */
  private pick<K extends 'action' | 'actor' | 'resource' | 'organization'>(key: K): unknown {
    const chosen = this.spec?.[key] !== undefined ? this.spec[key] : this.options.spec[key];
    return this.value(key, chosen);
  }

  private value(slot: Slot, option: unknown): unknown {
    return typeof option === 'function'
      ? this.call(slot, option as (req: Req, info: AuditInfo) => unknown)
      : option;
  }

  /**
   * Calls a mapper once per request and memoizes what it gave. A plain value is used at once
   * (no promise is created when nothing is async); a promise is awaited by the recorder, which
   * calls again once it settled: see `PENDING`.
   */
  private call(slot: Slot, mapper: (req: Req, info: AuditInfo) => unknown): unknown {
    const memo = this.memo;
    if (memo !== undefined && slot in memo) {
      const memoized = memo[slot];
      if (memoized === PENDING) throw PENDING;
      if (memoized instanceof MapperFailure) throw memoized.error;
      return memoized;
    }
    this.memo ??= {};
    const slots = this.memo;
    let result: unknown;
    try {
      result = mapper(this.req, this.info);
    } catch (error) {
      slots[slot] = new MapperFailure(error);
      throw error;
    }
    if (!isThenable(result)) {
      slots[slot] = result;
      return result;
    }
    slots[slot] = PENDING;
    this.waits ??= [];
    this.waits.push(
      Promise.resolve(result).then(
        (value) => {
          if (slots[slot] === PENDING) slots[slot] = value;
        },
        (error: unknown) => {
          if (slots[slot] === PENDING)
            slots[slot] = new MapperFailure(error ?? new Error(`${slot} mapper rejected`));
        },
      ),
    );
    throw PENDING;
  }

  /**
   * Resolves once every async mapper called so far has settled (never rejects), or
   * `undefined` when none is out.
   */
  settled(): Promise<unknown> | undefined {
    const waits = this.waits;
    if (waits === undefined) return undefined;
    this.waits = undefined;
    return waits.length === 1 ? waits[0] : Promise.all(waits);
  }

  /**
   * Called once a mapper turned out to be async: calls every other mapper the request's event
   * may need now, so that async ones run side by side instead of one after another. Errors
   * are memoized and surface when the event is built. Not while `skip` is pending: the other
   * mappers may assume the request is audited.
   */
  startMappers(): void {
    if (this.memo?.skip === PENDING) return;
    const o = this.state.overrides;
    const spec = this.spec;
    if (o?.action === undefined || o.action === null) attempt(() => this.pick('action'));
    if (o?.actor === undefined || o.actor === null) attempt(() => this.pick('actor'));
    if (o?.organization_id === undefined && (o?.organization === undefined || o.organization === null))
      attempt(() => this.pick('organization'));
    attempt(() => this.pick('resource'));
    attempt(() => this.value('metadata', this.options.spec.metadata));
    if (spec) attempt(() => this.value('routeMetadata', spec.metadata));
  }

  /** Fails every mapper still pending with `mapper_timeout`; a later settlement is ignored. */
  timeOut(ms: number): void {
    const memo = this.memo;
    if (memo === undefined) return;
    const f = this.facts;
    for (const slot of Object.keys(memo) as Slot[]) {
      if (memo[slot] !== PENDING) continue;
      memo[slot] = new MapperFailure(
        new UnrecordedError(
          'mapper_timeout',
          `The ${slot === 'routeMetadata' ? 'per-route metadata' : slot} mapper for ${f.method} ${f.route ?? '(no route)'} ` +
            `did not settle within mapperTimeout (${ms} ms)`,
        ),
      );
    }
  }

  private missing(field: string, what: string, reason: UnrecordedReason): UnrecordedError {
    const f = this.facts;
    return new UnrecordedError(
      reason,
      `No ${field} for ${f.method} ${f.route ?? '(no route)'}: the defaults could not derive ${what}; ` +
        'give one with a mapper option, a per-route spec or req.audit.set()',
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function attempt(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // Memoized: thrown again where the event is built.
  }
}
