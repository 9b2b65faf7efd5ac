import type { DeclaredRoutes } from './declaredRoutes.js';

/**
 * What an adapter tells the recorder about a finished request, in framework-neutral terms.
 * Built once per request in the finish callback.
 */
export interface FinishedRequest<Req> {
  /** The framework's request object, handed to mappers: `req`, `ctx` or `request`. */
  req: Req;
  /** Upper-case HTTP method. */
  method: string;
  /** Full route template with mount prefixes; `undefined` when no route matched (404). */
  route: string | undefined;
  /** Path without the query string. */
  path: string;
  /**
   * Route params of every mount level, as the router matched them. A value the app replaced
   * with an object (Express `app.param()`, Koa `router.param()` loading the record) is read back
   * from the path.
   */
  params: Record<string, unknown> | undefined;
  status: number;
  durationMs: number;
  /** The authenticated user as the framework's auth puts it (`req.user`, `ctx.state.user`...). */
  user: unknown;
  ip: string | undefined;
  userAgent: string | undefined;
  requestId: string | undefined;
  /**
   * The parsed request body (`req.body`, `ctx.request.body`, `request.body`), read only on
   * authentication routes for the user a failed login or a password reset names.
   */
  requestBody?: unknown;
  /** The client hung up before the handler answered (recorded with `metadata.aborted: true`). */
  aborted?: boolean;
  /**
   * The app's declared routes, read only when a create takes its id from the response body:
   * the id field its item routes use wins (`slug` next to `/articles/:slug`). One instance per
   * app or router, kept by the adapter.
   */
  declaredRoutes?: DeclaredRoutes | undefined;
}

/**
 * The path of a URL without its query string.
 *
 * @example
 * stripQuery('/invoices?limit=5'); // '/invoices'
 */
export function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * A header value as one string: the first of a repeated header, `undefined` when absent.
 *
 * @example
 * headerValue(req.headers['x-request-id']);
 */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const boundedId = /^[\x21-\x7e]{1,128}$/;

/**
 * `metadata.request_id`, chosen the same way in every adapter: the id the app's request-id
 * middleware set (Express `req.id` as pino-http and express-request-id set it, Koa `ctx.id` or
 * `ctx.state.requestId`, Fastify `request.id`; numbers included), else the `x-request-id` the
 * app answered with, else the client-sent `x-request-id` header. Each is kept only when it is 1
 * to 128 visible ASCII characters (an id the client controls must not put megabytes or control
 * characters in the trail).
 *
 * @example
 * requestIdOf(req.id, req.headers['x-request-id'], res.getHeader('x-request-id'));
 */
export function requestIdOf(
  own: unknown,
  header: string | string[] | undefined,
  answered?: unknown,
): string | undefined {
  return boundedIdOf(own) ?? boundedIdOf(answered) ?? boundedIdOf(headerValue(header));
}

function boundedIdOf(value: unknown): string | undefined {
  const id =
    typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : Array.isArray(value)
        ? value[0]
        : value;
  return typeof id === 'string' && boundedId.test(id) ? id : undefined;
}

/**
 * Route params as strings. Values the router matched are strings already (returned as they
 * are, nothing copied); a value the app replaced with a loaded record is read back from the
 * request path at the param's place in the template, else from the record's id.
 *
 * @example
 * routeParamsOf({ comment: { id: 5, body: '...' } }, '/comments/:comment', '/comments/5'); // { comment: '5' }
 */
export function routeParamsOf(
  params: Record<string, unknown> | undefined,
  template: string | undefined,
  path: string,
): Readonly<Record<string, string>> | undefined {
  if (params === undefined || params === null) return undefined;
  let replaced = false;
  for (const key in params) {
    if (typeof params[key] !== 'string') {
      replaced = true;
      break;
    }
  }
  if (!replaced) return params as Record<string, string>;
  const out: Record<string, string> = {};
  for (const key of Object.keys(params)) {
    if (key === '__proto__') continue;
    const value = params[key];
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'bigint') out[key] = String(value);
    else if (Array.isArray(value)) out[key] = value.join('/');
    else if (value !== undefined && value !== null) {
      const fromPath = template === undefined ? undefined : segmentOf(template, path, key);
      const own = (value as { id?: unknown }).id;
      const id = fromPath ?? (typeof own === 'string' || typeof own === 'number' ? String(own) : undefined);
      if (id !== undefined) out[key] = id;
    }
  }
  return out;
}

/** The path segment at `:name`'s place in a template, when both have the same shape. */
function segmentOf(template: string, path: string, name: string): string | undefined {
  if (/[({*]/.test(template)) return undefined;
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const at = t.indexOf(`:${name}`);
  if (at === -1) return undefined;
  try {
    return decodeURIComponent(p[at]!);
  } catch {
    return p[at];
  }
}
