import { kAudit, NodeRequestAudit } from '@auditledge/core/adapter';
import type { Request, Response } from 'express';

type Params = Record<string, unknown>;

/** One mount level seen while routing: the base URL after it and the params its path matched. */
export interface Mount {
  readonly url: string;
  readonly params: Params | undefined;
  readonly parent: Mount | undefined;
}

export type AuditedRequest = Request & { [kAudit]?: ExpressRequestAudit };

/**
 * The Express request state: the core handle plus what routing revealed. Express's router
 * restores `req.baseUrl` and `req.params` when a handler fails, so they are gone by the time
 * the response finishes on an error path; the accessors installed by `captureRouting()` record
 * them as the router assigns them.
 */
export class ExpressRequestAudit extends NodeRequestAudit<Response, Request> {
  /** The values behind the `req.baseUrl` and `req.route` accessors. */
  baseUrl = '';
  route: unknown = undefined;
  /** The innermost mount level the router is in. */
  mount: Mount | undefined = undefined;
  /** Snapshot taken when a route starts dispatching: its path, mount chain and params. */
  routePath: string | undefined = undefined;
  /** The Route object that ran (found again in the router stack for its declared mount path). */
  routeObject: unknown = undefined;
  routeMount: Mount | undefined = undefined;
  routeParams: Params | undefined = undefined;
  /** The `res.json` this request had before the capture wrapper. */
  json: Response['json'] | undefined = undefined;

  /** Watched from now on: the JSON it answers may name a created resource or feed `info.body`. */
  override arm(): void {
    if (this.armed) return;
    super.arm();
    this.json = this.res.json;
    this.res.json = captureJson;
  }
}

/** Keeps the JSON body (`res.json()`, `res.send(object)`), whose `id` names a created resource. */
function captureJson(this: Response, body: unknown): Response {
  const state = (this.req as AuditedRequest)[kAudit]!;
  state.body = body;
  return state.json!.call(this, body);
}

function getBaseUrl(this: AuditedRequest): string {
  return this[kAudit]!.baseUrl;
}

function setBaseUrl(this: AuditedRequest, value: string): void {
  const state = this[kAudit]!;
  state.baseUrl = value;
  if (typeof value !== 'string') return;
  let top = state.mount;
  while (top !== undefined && !isPathPrefix(top.url, value)) top = top.parent;
  // The router sets the mount's params just before the base URL it matched.
  if (value.length > (top?.url.length ?? 0)) top = { url: value, params: this.params, parent: top };
  state.mount = top;
}

function getRoute(this: AuditedRequest): unknown {
  return this[kAudit]!.route;
}

function setRoute(this: AuditedRequest, value: unknown): void {
  const state = this[kAudit]!;
  state.route = value;
  if (value === undefined || value === null) return;
  // Set again by Route#dispatch once params are final: the last assignment wins.
  const path = (value as { path?: unknown }).path;
  state.routePath = typeof path === 'string' ? path : String(path);
  state.routeObject = value;
  state.routeMount = state.mount;
  state.routeParams = this.params;
}

const baseUrlAccessor: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get: getBaseUrl,
  set: setBaseUrl,
};
const routeAccessor: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get: getRoute,
  set: setRoute,
};

/** Installs the `req.baseUrl` / `req.route` accessors (shared functions: nothing allocated per request). */
export function captureRouting(req: AuditedRequest, state: ExpressRequestAudit): void {
  state.baseUrl = req.baseUrl ?? '';
  state.route = req.route;
  if (state.baseUrl !== '') state.mount = { url: state.baseUrl, params: req.params, parent: undefined };
  Object.defineProperty(req, 'baseUrl', baseUrlAccessor);
  Object.defineProperty(req, 'route', routeAccessor);
}

function isPathPrefix(prefix: string, path: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/');
}
