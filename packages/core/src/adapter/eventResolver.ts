import type { Actor, AuditEventInput, Resource, UnrecordedReason } from '../types.js';
import { deriveAction, deriveRoute, type RouteDerivation } from './deriveRoute.js';
import type { FinishedRequest } from './facts.js';
import type { RequestAudit } from './handle.js';
import { ANONYMOUS_ACTOR, organizationOf, toActor, toId } from './identity.js';
import type { NormalizedOptions } from './options.js';
import { mergeMetadata } from './redact.js';
import { idFromBody } from './responseId.js';
import type { NormalizedSpec } from './spec.js';
import type { AuditInfo, ExtraAuditEvent, ResourceInput } from './types.js';
import { UnrecordedError } from './unrecorded.js';

const noParams: Readonly<Record<string, string>> = Object.freeze({});

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

  constructor(
    private readonly options: NormalizedOptions<Req>,
    private readonly state: RequestAudit,
    private readonly facts: FinishedRequest<Req>,
    private readonly spec: NormalizedSpec<Req> | undefined,
  ) {
    this.req = facts.req;
    this.route = facts.route === undefined ? undefined : deriveRoute(facts.route);
    this.params = facts.params ?? noParams;
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
    };
    return this.infoCache;
  }

  /** Whether the `skip` option or spec says to record nothing for this request. */
  skipped(): boolean {
    const skip = this.spec?.skip ?? this.options.spec.skip;
    return typeof skip === 'function' ? Boolean(skip(this.req, this.info)) : skip === true;
  }

  /** The event of the request itself. */
  requestEvent(): AuditEventInput {
    const f = this.facts;
    const o = this.state.overrides;
    const action = (o?.action ?? this.pick('action') ?? (this.route && deriveAction(this.route, f.method))) as
      | string
      | undefined;
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
    mergeMetadata(metadata, this.value(this.options.spec.metadata));
    if (this.spec) mergeMetadata(metadata, this.value(this.spec.metadata));
    if (o?.metadata) mergeMetadata(metadata, o.metadata);
    return this.withOrganization({
      actor: this.actor(),
      action,
      resource: this.resource(),
      metadata: this.options.redact(metadata) as AuditEventInput['metadata'],
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
      event.metadata = this.options.redact(mergeMetadata({}, e.metadata)) as AuditEventInput['metadata'];
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
          ? (toActor(this.facts.user) ?? ANONYMOUS_ACTOR)
          : this.strictActor(given, 'actor');
    }
    return this.actorCache;
  }

  private strictActor(given: unknown, what: string): Actor {
    const actor = toActor(given);
    if (actor === undefined) throw this.missing(what, 'an actor with an id', 'invalid');
    return actor;
  }

  private withOrganization(event: AuditEventInput): AuditEventInput {
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
    if (this.orgCache !== null) event.organization_id = this.orgCache;
    return event;
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
    id ??= idFromBody(this.state.body, type);
    if (type === undefined || type === '')
      throw this.missing('resource.type', 'a resource type', 'no_resource');
    if (id === undefined || id === '') throw this.missing('resource.id', 'a resource id', 'no_resource');
    return name === undefined ? { type, id } : { type, id, name };
  }

  /** The per-route value of a key if the route sets it, else the global one, mapped. */
  private pick<K extends 'action' | 'actor' | 'resource' | 'organization'>(key: K): unknown {
    const chosen = this.spec?.[key] !== undefined ? this.spec[key] : this.options.spec[key];
    return this.value(chosen);
  }

  private value(option: unknown): unknown {
    return typeof option === 'function' ? option(this.req, this.info) : option;
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
