import { auditOf, routeAudit } from '@auditledge/core/adapter';
import type { NextFunction, Request, Response } from 'express';
import type { AuditRouteHandler, RouteAuditSpec } from './types.js';

/**
 * Per-route audit declaration, placed before the handler: overrides the global options for this
 * route (same keys: `action`, `actor`, `resource`, `organization`, `metadata`, `skip`) and
 * audits the route whatever its method. `audit(false)` opts the route out. Needs
 * `auditMiddleware()` mounted earlier. The spec is validated once, here.
 *
 * @example
 * router.delete('/invoices/:id', audit('invoice.deleted'), handler);
 * router.post('/invoices/:id/pay', audit('invoice.paid', { metadata: (req) => ({ amount: req.body.amount }) }), pay);
 * router.get('/reports/:id/export', audit({ action: 'report.exported', resource: { type: 'report' } }), exportReport);
 * router.post('/heartbeat', audit(false), beat);
 */
export function audit(action: string, spec?: RouteAuditSpec): AuditRouteHandler;
export function audit(spec: RouteAuditSpec | false): AuditRouteHandler;
export function audit(
  actionOrSpec: string | RouteAuditSpec | false,
  spec?: RouteAuditSpec,
): AuditRouteHandler {
  const declare = routeAudit<Request>('express', 'routes', actionOrSpec, spec);
  return function auditRoute(req: Request, _res: Response, next: NextFunction): void {
    declare(auditOf(req), () => `${req.method} ${req.baseUrl ?? ''}${String(req.route?.path ?? req.path)}`);
    next();
  } as AuditRouteHandler;
}
