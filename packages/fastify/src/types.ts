import type {
  AuditHandle,
  AuditOptions as CoreAuditOptions,
  RouteAuditSpec as CoreRouteAuditSpec,
} from '@auditledge/core/adapter';
import type { FastifyRequest } from 'fastify';

/**
 * Options of the plugin; mappers receive the Fastify `request`. A client the plugin creates is
 * shut down on `app.close()`; a client you pass is only flushed then.
 */
export type AuditOptions = CoreAuditOptions<FastifyRequest> & {
  /**
   * How long `app.close()` waits for audit delivery, in ms: the shutdown of a client the plugin
   * created, or the flush of a client you passed (which stays open). Events still undelivered
   * then go to the client's `onDrop`. @default 10000 for the plugin's own client, 1000 for yours
   */
  shutdownTimeout?: number | undefined;
};

/** A per-route declaration for `config.audit`; mappers receive the Fastify `request`. */
export type RouteAuditSpec = CoreRouteAuditSpec<FastifyRequest>;

/**
 * What `config.audit` takes: a spec, an action name, or `false`. Fastify infers a route's config
 * type from the object literal you write and intersects it with this one, which on its own
 * would let `audit: 42` and `audit: true` through (a spec has only optional keys). Declaring
 * `valueOf` as returning an object, which a plain object's does and a number's or a boolean's
 * does not, makes those a type error. (A misspelt key, `{ acton }`, escapes the type checker the
 * same way; it is refused when the route is registered, and `satisfies RouteAuditSpec` catches it.)
 */
export type RouteAuditConfig = (RouteAuditSpec & { valueOf?: (() => object) | undefined }) | string | false;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * This route's audit declaration: a spec (`action`, `actor`, `resource`, `organization`,
     * `metadata`, `skip`), an action name, or `false` to opt the route out.
     */
    audit?: RouteAuditConfig | undefined;
  }
  interface FastifyRequest {
    /** This request's audit handle: `set()`, `skip()`, `log()`. */
    audit: AuditHandle;
  }
}
