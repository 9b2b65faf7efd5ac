import { resolveRouteSpec, warnMisuse } from '@auditledge/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { type AuditedResponse, kAudit } from './koaRequestAudit.js';
import type { RouteAuditSpec } from './types.js';

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
export function audit(action: string, spec?: RouteAuditSpec): Middleware;
export function audit(spec: RouteAuditSpec | false): Middleware;
export function audit(actionOrSpec: string | RouteAuditSpec | false, spec?: RouteAuditSpec): Middleware {
  const declared = resolveRouteSpec<Context>(actionOrSpec, spec);
  return function auditRoute(ctx: Context, next: Next): Promise<unknown> {
    const state = (ctx.res as AuditedResponse)[kAudit];
    if (state !== undefined) {
      state.spec = declared as never;
      state.arm();
    } else {
      warnMisuse(
        'koa',
        'AUDITLEDGE_NO_MIDDLEWARE',
        `audit() ran on ${ctx.method} ${String((ctx as { _matchedRoute?: unknown })._matchedRoute ?? ctx.path)} ` +
          'but no auditMiddleware() saw the request, so nothing is recorded: mount app.use(auditMiddleware({ ... })) before your routers',
      );
    }
    return next();
  };
}
