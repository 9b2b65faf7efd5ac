import { type ResolvedSpec, resolveRouteSpec } from '@auditledge/core/adapter';
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { RouteAuditConfig, RouteAuditSpec } from './types.js';

/** Where the per-route audit declaration, validated once in `onRoute`, is kept in the route config. */
export const kRouteSpec = Symbol('auditledge.routeSpec');
/** Marks the config of every route added after the plugin (which went through its onRoute hook). */
const kSeen = Symbol('auditledge.seen');

type Config = {
  audit?: RouteAuditConfig;
  [kRouteSpec]?: ResolvedSpec<FastifyRequest> | false;
  [kSeen]?: true;
};

// Routes registered before the plugin never went through onRoute: their spec is validated on
// first use and kept here, keyed by their (stable) config object.
const lateSpecs = new WeakMap<object, ResolvedSpec<FastifyRequest> | false | undefined>();

/** Reads `config.audit` once, at route registration (a bad spec fails the registration). */
export function declareRoute(routeOptions: RouteOptions): ResolvedSpec<FastifyRequest> | false | undefined {
  const config = routeOptions.config as Config | undefined;
  const declared = config?.audit;
  // A new object: the user's config may be shared between routes. Fastify copies it, symbol keys included.
  if (declared === undefined) {
    routeOptions.config = { ...config, [kSeen]: true } as RouteOptions['config'];
    return undefined;
  }
  const methods = Array.isArray(routeOptions.method) ? routeOptions.method.join(',') : routeOptions.method;
  const spec = toSpec(declared, `${methods} ${routeOptions.url}`);
  routeOptions.config = { ...config, [kRouteSpec]: spec, [kSeen]: true } as RouteOptions['config'];
  return spec;
}

/** Whether the route was added after the plugin (and so went through its onRoute hook). */
export function seenByPlugin(config: object): boolean {
  return (config as Config)[kSeen] === true;
}

/** The spec of the route that served a request. */
export function specOf(config: object | undefined): ResolvedSpec<FastifyRequest> | false | undefined {
  if (config === undefined) return undefined;
  const c = config as Config;
  if (c[kRouteSpec] !== undefined || c.audit === undefined) return c[kRouteSpec];
  if (!lateSpecs.has(config)) lateSpecs.set(config, toSpec(c.audit));
  return lateSpecs.get(config);
}

/** Validates `config.audit`; its errors name the field and, when known, the route. */
function toSpec(declared: RouteAuditConfig, route?: string): ResolvedSpec<FastifyRequest> | false {
  const source = { field: 'config.audit', route };
  return typeof declared === 'string'
    ? resolveRouteSpec<FastifyRequest>(declared, undefined, source)
    : resolveRouteSpec<FastifyRequest>(declared as RouteAuditSpec | false, undefined, source);
}
