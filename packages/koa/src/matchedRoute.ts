import type { Context } from 'koa';

interface MatchedLayer {
  path: string | RegExp;
  methods: string[];
}

/**
 * The template of the @koa/router route that handled the request, prefixes included
 * (`/orgs/:orgId/invoices/:id`), from `ctx.matched`: router layers are stored there with their
 * full path. `ctx._matchedRoute` is only trusted when it names one of the method's route
 * layers, because a later `router.use()` layer overwrites it. `undefined` when no route matched
 * the path and the method (a 404 or 405).
 */
export function matchedRoute(ctx: Context): string | undefined {
  const matched = (ctx as { matched?: MatchedLayer[] }).matched;
  if (matched === undefined || matched.length === 0) return undefined;
  const method = ctx.method;
  const current = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
  let last: MatchedLayer | undefined;
  for (let i = matched.length - 1; i >= 0; i--) {
    const layer = matched[i]!;
    if (layer.methods.length === 0 || !layer.methods.includes(method)) continue;
    if (layer.path === current) return String(current);
    last ??= layer;
  }
  return last === undefined ? undefined : String(last.path);
}
