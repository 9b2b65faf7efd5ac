import type { AuditLedge } from '@auditledge/core';
import type {
  AuditHandle,
  AuditOptions as CoreAuditOptions,
  RouteAuditSpec as CoreRouteAuditSpec,
} from '@auditledge/core/adapter';
import type { Context, Middleware } from 'koa';

/** Options of `auditMiddleware()`; mappers receive the Koa `ctx` (route params are in `info.params`). */
export type AuditOptions = CoreAuditOptions<Context>;

/** A per-route declaration for `audit()`; mappers receive the Koa `ctx`. */
export type RouteAuditSpec = CoreRouteAuditSpec<Context>;

/** The middleware returned by `auditMiddleware()`, with the client it records through. */
export type AuditMiddleware = Middleware & {
  /** The client events go to: the one passed as `client`, or the one the middleware created. */
  readonly client: AuditLedge;
};

declare module 'koa' {
  interface DefaultState {
    /** This request's audit handle: `set()`, `skip()`, `log()`. Set by `auditMiddleware()`. */
    audit: AuditHandle;
  }
}
