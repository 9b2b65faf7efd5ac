import type { AuditLedge } from '../client.js';
import type { AuditLedgeError } from '../errors.js';
import type { ClientOptions, ErrorContext } from '../options.js';
import type { Actor } from '../types.js';

/** What a mapper knows about the request, besides the framework's own request object. */
export interface AuditInfo {
  /** Upper-case HTTP method: `DELETE`. */
  method: string;
  /** Full route template, mount prefixes included: `/orgs/:orgId/invoices/:id`. */
  route: string;
  /** Request path without the query string: `/orgs/42/invoices/7`. */
  path: string;
  /** Route params of every mount level, captured while the route ran (so intact on error paths). */
  params: Readonly<Record<string, string>>;
  /** Final response status. */
  status: number;
  /** Time from the start of the audit middleware to the end of the response, in ms. */
  durationMs: number;
  /**
   * The JSON body the handler answered (Express `res.json()` / `res.send(object)`, Koa
   * `ctx.body`, Fastify's JSON payload), parsed when it was sent as a string; `undefined` when
   * there is none, it is not JSON or it is over 64 KiB. A global `resource` mapper can read a
   * created id from it: `resource: (req, info) => ({ type: 'invoice', id: info.body?.invoice?.number })`.
   */
  body: unknown;
}

/**
 * A function of the framework's request and `AuditInfo`. It may be async: the event is built
 * after the response, so awaiting costs the request nothing; it waits at most `mapperTimeout`.
 *
 * @example
 * organization: async (req) => (await tenants.forUser(req.user.id)).id
 */
export type AuditMapper<Req, T> = (req: Req, info: AuditInfo) => T | Promise<T>;

/**
 * An actor, a user object to read one from (id from `id`/`_id`/`sub`/`userId`, name from
 * `name`/`username`/`displayName`, `email`; nothing else is kept), or just the id.
 */
export type ActorInput = Actor | string | number | object;

/**
 * An id as apps hold them: a string, a number or bigint (stringified), or an object with its own
 * `toString()` such as a Mongo `ObjectId`.
 */
export type IdInput = string | number | bigint | { toString(): string };

/** A resource or part of one; missing fields come from the route-template defaults. */
export interface ResourceInput {
  type?: string | undefined;
  id?: IdInput | undefined;
  name?: string | null | undefined;
}

/** Which statuses are audited: a predicate, or a list of statuses and/or predicates. */
export type StatusFilter =
  | ((status: number) => boolean)
  | ReadonlyArray<number | ((status: number) => boolean)>;

/**
 * Per-route audit declaration. Every key overrides the global option of the same name for
 * that route; each may be a static value or a mapper `(req, info) => value`.
 */
export interface RouteAuditSpec<Req = unknown> {
  /** The action, `resource.verb` by convention. @default derived from the method and route template */
  action?: string | AuditMapper<Req, string | undefined> | undefined;
  /** Who did it. Returning `undefined` falls back to the default. @default the authenticated user, else `{ id: 'anonymous' }` */
  actor?: ActorInput | AuditMapper<Req, ActorInput | null | undefined> | undefined;
  /** The resource, or part of it, or a string for its type. @default derived from the route template and params */
  resource?: ResourceInput | string | AuditMapper<Req, ResourceInput | string | undefined> | undefined;
  /** The tenant; `null` leaves it unset (the API key's organization). @default the user's org, else an `:orgId` param */
  organization?: IdInput | null | AuditMapper<Req, IdInput | null | undefined> | undefined;
  /** Merged over the default metadata (`ip`, `user_agent`, `request_id`, `method`, `route`, `path`, `status`, `duration_ms`). */
  metadata?: Record<string, unknown> | AuditMapper<Req, Record<string, unknown> | undefined> | undefined;
  /** `true` (or a predicate returning `true`) records nothing for the request. @default false */
  skip?: boolean | AuditMapper<Req, boolean> | undefined;
}

/**
 * Options of `auditMiddleware()` and the Fastify plugin, identical in all three adapters.
 * Client options (`baseUrl`, `flushAt`, ...) are passed to the client the adapter creates.
 */
export interface AuditOptions<Req = unknown> extends RouteAuditSpec<Req>, Omit<ClientOptions, 'onError'> {
  /** A client to share with the rest of the app. @default new AuditLedge(apiKey, clientOptions) */
  client?: AuditLedge | undefined;
  /** Key for the client the adapter creates. @default process.env.AUDITLEDGE_API_KEY */
  apiKey?: string | undefined;
  /** Methods audited by default (a per-route spec audits its route whatever the method). @default ['POST', 'PUT', 'PATCH', 'DELETE'] */
  methods?: readonly string[] | undefined;
  /** Statuses audited. @default (status) => status < 400 */
  statuses?: StatusFilter | undefined;
  /**
   * Extra secret words to redact from metadata (added to `defaultRedactKeys`), `{ keys,
   * defaults: false }` to use only yours, or `false` for no redaction. A key is redacted when
   * its words (split on case changes, `_`, `-`, `.`, spaces) contain one of them; a change
   * record whose `field`/`name`/`key`/`path` names one has its values redacted.
   * @default defaultRedactKeys
   */
  redact?:
    | readonly string[]
    | false
    | { keys: readonly string[]; defaults?: boolean | undefined }
    | undefined;
  /**
   * Mapper failures and invalid events (`AL_ERR_MAPPER`, with the route and method; never the
   * request body or headers), and, for a client the adapter creates, delivery failures.
   * Never thrown into the request. @default ignore
   */
  onError?: ((error: AuditLedgeError, context: ErrorContext) => void) | undefined;
  /**
   * How long, in ms, the async mappers of one request may take (counted from the first one
   * that returned a promise). Past it the request's event is not sent: it is counted in
   * `stats().unrecorded.mapper_timeout` and reported to `onError` (or warned about once).
   * @default 5000
   */
  mapperTimeout?: number | undefined;
  /**
   * Record failed logins too: a 401 or 403 on a login route (`/login`, `/users/login`,
   * `POST /sessions`...) becomes `user.login_failed`, actor anonymous, on the user named in the
   * request body (`email`, `username` or `login`, at the top or under `user`; the password is
   * never read), else on `user:unknown`. Auditors ask for them.
   * @default false
   */
  auditFailedLogins?: boolean | undefined;
}

/** What `req.audit.set()` overrides for the request's event. Later calls merge over earlier ones. */
export interface AuditOverrides {
  action?: string | undefined;
  actor?: ActorInput | undefined;
  /** Merged over the derived resource: `{ id }` alone keeps the derived type. */
  resource?: ResourceInput | undefined;
  /** `null` leaves it unset. */
  organization_id?: IdInput | null | undefined;
  /** Same as `organization_id`, named like the option. */
  organization?: IdInput | null | undefined;
  /** Merged over the default and mapped metadata. */
  metadata?: Record<string, unknown> | undefined;
}

/** An extra event for `req.audit.log()`; a missing actor or organization comes from the request. */
export interface ExtraAuditEvent {
  action: string;
  resource: { type: string; id: IdInput; name?: string | null };
  actor?: ActorInput | undefined;
  organization_id?: IdInput | null | undefined;
  metadata?: Record<string, unknown> | undefined;
  timestamp?: Date | string | undefined;
}

/** The request-scoped handle: `req.audit`, `ctx.state.audit`, `request.audit`. */
export interface AuditHandle {
  /**
   * Overrides parts of this request's event.
   *
   * @example
   * req.audit.set({ resource: { id: invoice.id, name: invoice.number }, metadata: { old_value, new_value } });
   */
  set(overrides: AuditOverrides): this;
  /**
   * Records no event for this request (events passed to `log()` are still sent).
   *
   * @example
   * if (dryRun) req.audit.skip();
   */
  skip(): void;
  /**
   * Records another event once the response has finished, whatever the method or status.
   *
   * @example
   * req.audit.log({ action: 'invoice.emailed', resource: { type: 'invoice', id } });
   */
  log(event: ExtraAuditEvent): void;
}
