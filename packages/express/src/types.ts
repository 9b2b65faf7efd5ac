import type { AuditLedge } from '@auditledge/core';
import type {
  AuditHandle,
  AuditOptions as CoreAuditOptions,
  RouteAuditSpec as CoreRouteAuditSpec,
} from '@auditledge/core/adapter';
import type { NextFunction, Request } from 'express';

/** Options of `auditMiddleware()`; mappers receive the Express `req`. */
export type AuditOptions = CoreAuditOptions<Request>;

/** A per-route declaration for `audit()`; mappers receive the Express `req`. */
export type RouteAuditSpec = CoreRouteAuditSpec<Request>;

/**
 * The handler `audit()` returns. Typed on the global `Express.Request`, which has no `params`,
 * so placing it before a handler does not stop Express's types from reading `req.params` off
 * the route path (`'/invoices/:id'` gives the handler `req.params.id: string`).
 */
export type AuditRouteHandler = (req: Express.Request, res: Express.Response, next: NextFunction) => void;

/** The middleware returned by `auditMiddleware()`, with the client it records through. */
export type AuditMiddleware = AuditRouteHandler & {
  /** The client events go to: the one passed as `client`, or the one the middleware created. */
  readonly client: AuditLedge;
};

declare global {
  namespace Express {
    interface Request {
      /** This request's audit handle: `set()`, `skip()`, `log()`. Set by `auditMiddleware()`. */
      audit: AuditHandle;
    }
  }
}
