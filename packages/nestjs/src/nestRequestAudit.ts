import type { ServerResponse } from 'node:http';
import { NodeRequestAudit } from '@auditledge/core/adapter';

/**
 * A request's audit state under Nest: core's node-http state (armed on the raw Node response's
 * close, on both platforms) plus what the interceptor read while the route ran. Express restores
 * `req.route` and `req.params` when a handler fails, so they are kept here rather than read at
 * the end.
 */
export class NestRequestAudit extends NodeRequestAudit<ServerResponse, unknown> {
  /** The route template as Nest registered it on the platform: `/api/v1/invoices/:id`. */
  route: string | undefined = undefined;
  params: Record<string, unknown> | undefined = undefined;
}

/** The platform request object: Express `req` (a Node request), or Fastify `request` (`request.raw` is). */
export interface PlatformRequest {
  method?: string;
  url?: string;
  originalUrl?: string;
  raw?: import('node:http').IncomingMessage;
  headers?: import('node:http').IncomingHttpHeaders;
  params?: Record<string, unknown>;
  body?: unknown;
  user?: unknown;
  ip?: string;
  id?: unknown;
  /** Express: the Route dispatching the request, and the path of the app it is mounted in. */
  route?: { path?: unknown };
  baseUrl?: string;
  /** Fastify: the options of the matched route (a getter building an object: read once). */
  routeOptions?: { url?: unknown };
}

/** The platform response object: Express `res` (a Node response), or Fastify `reply` (`reply.raw` is). */
export interface PlatformResponse {
  raw?: ServerResponse;
}

/**
 * The template of the route running `request`, as Nest registered it on the platform: Nest
 * composes it from its own metadata (global prefix and its `exclude`, `RouterModule` paths, URI
 * version, controller and method paths), so reading it back is exact on every Nest version.
 * Express: `req.baseUrl` (a Nest app mounted in another Express app) + `req.route.path`;
 * Fastify: `request.routeOptions.url`. `undefined` on another platform.
 */
export function routeTemplateOf(request: PlatformRequest): string | undefined {
  const route = request.route;
  if (route !== undefined && route !== null && typeof route.path === 'string') {
    const base = request.baseUrl ?? '';
    return base === '' ? route.path : route.path === '/' ? base : base + route.path;
  }
  const url = request.routeOptions?.url;
  return typeof url === 'string' ? url : undefined;
}
