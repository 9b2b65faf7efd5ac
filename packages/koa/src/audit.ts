import { auditOf, type RouteAuditFactory, routeAuditFactory } from '@auditledge/core/adapter';
import type { Context, Middleware, Next } from 'koa';

/**
 * Per-route audit declaration for @koa/router, placed before the handler: overrides the global
 * options for this route (same keys: `action`, `actor`, `resource`, `organization`, `metadata`,
 * `skip`) and audits the route whatever its method. `audit(false)` opts the route out. Needs
 * `auditMiddleware()` mounted earlier. The spec is validated once, here.
 *
 * @example
 * router.delete('/invoices/:id', audit('invoice.deleted'), handler);
 * router.post('/invoices/:id/pay', audit('invoice.paid', { metadata: (ctx) => ({ amount: ctx.request.body?.amount }) }), pay);
 * router.get('/reports/:id/export', audit({ action: 'report.exported', resource: { type: 'report' } }), exportReport);
 * router.post('/heartbeat', audit(false), beat);
 */
export const audit: RouteAuditFactory<Context, Middleware> = routeAuditFactory(
  'koa',
  'routers',
  (declare) =>
    function auditRoute(ctx: Context, next: Next): Promise<unknown> {
      const route = () =>
        `${ctx.method} ${String((ctx as { _matchedRoute?: unknown })._matchedRoute ?? ctx.path)}`;
      declare(auditOf(ctx.res), route);
      return next();
    },
);
