import { DeclaredRoutes } from '@auditledge/core/adapter';
import type { Context } from 'koa';

/**
 * The routes declared on the @koa/router (or koa-router 7) that handled a request, for a
 * create whose response names several ids (core's `DeclaredRoutes` picks the one its item
 * routes use). The router is `ctx.router`; its `stack` holds every route layer with its full
 * path, prefixes and nested routers included. Read only when a create first needs it, then
 * kept per collection: nothing is walked per request.
 */

interface RouterLayer {
  path?: unknown;
  methods?: unknown;
}

const byRouter = new WeakMap<object, DeclaredRoutes>();

/**
 * The declared routes of the router that matched, one instance per router.
 *
 * @example
 * declaredRoutesOf(ctx)?.idField('/api/articles'); // 'slug' next to router.put('/api/articles/:slug')
 */
export function declaredRoutesOf(ctx: Context): DeclaredRoutes | undefined {
  const router = (ctx as { router?: unknown }).router;
  if (router === null || typeof router !== 'object') return undefined;
  let routes = byRouter.get(router);
  if (routes === undefined) {
    routes = new DeclaredRoutes(() => templates((router as { stack?: unknown }).stack));
    byRouter.set(router, routes);
  }
  return routes;
}

function* templates(stack: unknown): Generator<string> {
  if (!Array.isArray(stack)) return;
  for (const layer of stack as RouterLayer[]) {
    // `router.use()` middleware layers have no methods: they are not routes.
    if (typeof layer?.path === 'string' && Array.isArray(layer.methods) && layer.methods.length > 0) {
      yield layer.path;
    }
  }
}
