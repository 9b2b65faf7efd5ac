import { DeclaredRoutes } from '@auditledge/core/adapter';
import { declaredPaths, type Layer, rootStack } from './declaredMount.js';

/**
 * The routes an Express app declared, for a create whose response names several ids (core's
 * `DeclaredRoutes` picks the one its item routes use). Read from the router stack only when a
 * create first needs them, then kept per collection: nothing is walked per request.
 */

const byApp = new WeakMap<object, DeclaredRoutes>();
const maxDepth = 16;

/**
 * The declared routes of `app` (`req.app`), one instance per app.
 *
 * @example
 * declaredRoutesOf(req.app)?.idField('/api/articles'); // 'slug' next to PUT /api/articles/:slug
 */
export function declaredRoutesOf(app: unknown): DeclaredRoutes | undefined {
  if (app === null || (typeof app !== 'object' && typeof app !== 'function')) return undefined;
  let routes = byApp.get(app);
  if (routes === undefined) {
    routes = new DeclaredRoutes(() => templates(rootStack(app)));
    byApp.set(app, routes);
  }
  return routes;
}

/**
 * Every route template in a router stack, mount paths as declared included (`app.use('/api',
 * router)` + `router.put('/articles/:slug')` -> `/api/articles/:slug`), the way
 * `routeTemplate()` builds the template of the route that ran.
 */
function* templates(stack: unknown, prefix = '', depth = 0): Generator<string> {
  if (!Array.isArray(stack) || depth > maxDepth) return;
  for (const layer of stack as Layer[]) {
    if (layer === null || typeof layer !== 'object') continue;
    const route = layer.route as { path?: unknown } | undefined;
    if (route !== undefined && route !== null) {
      const paths = Array.isArray(route.path) ? route.path : [route.path];
      for (const path of paths) {
        if (typeof path === 'string') yield path === '/' && prefix !== '' ? prefix : prefix + path;
      }
      continue;
    }
    const inner = (layer.handle as { stack?: unknown } | null | undefined)?.stack;
    if (!Array.isArray(inner)) continue;
    for (const own of declaredPaths(layer)) yield* templates(inner, prefix + own, depth + 1);
  }
}
