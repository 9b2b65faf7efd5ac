import { auditOf, type RouteAuditFactory, routeAuditFactory } from '@auditledge/core/adapter';
import type { Request } from 'express';
import type { AuditRouteHandler } from './types.js';

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
export const audit: RouteAuditFactory<Request, AuditRouteHandler> = routeAuditFactory(
  'express',
  'routes',
  (declare) =>
    function auditRoute(req: Request, _res: unknown, next: () => void): void {
      declare(auditOf(req), () => `${req.method} ${req.baseUrl ?? ''}${String(req.route?.path ?? req.path)}`);
      next();
    } as AuditRouteHandler,
);
