import type { IncomingHttpHeaders } from 'node:http';
import type {
  AuditOptions as CoreAuditOptions,
  RouteAuditSpec as CoreRouteAuditSpec,
} from '@auditledge/core/adapter';

/**
 * What mappers receive by default: the platform's request object, Express `req` on
 * `@nestjs/platform-express` or Fastify `request` on `@nestjs/platform-fastify`, described by the
 * fields both have. Name your platform's type for the rest: `AuditLedgeModule.forRoot<Request>({ ... })`,
 * `@Audit<FastifyRequest>({ ... })`.
 */
export interface NestRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The route params (`@Param()`). */
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The parsed body (`@Body()`). */
  readonly body?: unknown;
  /** The authenticated user, where Passport (and most Nest auth guards) put it. */
  readonly user?: object | undefined;
  readonly ip?: string | undefined;
}

/**
 * Options of `AuditLedgeModule.forRoot()`: the options of every Auditledge adapter (mappers
 * receive the platform's request object) plus `shutdownTimeout`.
 */
export type AuditLedgeModuleOptions<Req = NestRequest> = CoreAuditOptions<Req> & {
  /**
   * How long the app's shutdown (`app.close()`, or a signal with `app.enableShutdownHooks()`)
   * waits for audit delivery, in ms: the shutdown of a client the module created, or the flush
   * of a client you passed (which stays open). Events still undelivered then go to the client's
   * `onDrop`. @default 10000 for the module's own client, 1000 for yours
   */
  shutdownTimeout?: number | undefined;
};

/** A per-route declaration for `@Audit()`: the same keys as every adapter's per-route spec. */
export type RouteAuditSpec<Req = NestRequest> = CoreRouteAuditSpec<Req>;
