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
  /** Route params of every mount level. */
  params: Record<string, string> | undefined;
  status: number;
  durationMs: number;
  /** The authenticated user as the framework's auth puts it (`req.user`, `ctx.state.user`...). */
  user: unknown;
  ip: string | undefined;
  userAgent: string | undefined;
  requestId: string | undefined;
  /** The client hung up before the handler answered (recorded with `metadata.aborted: true`). */
  aborted?: boolean;
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
 * `metadata.request_id`, chosen the same way in every adapter: the framework's own id (Express
 * `req.id`, Koa `ctx.state.requestId`, Fastify `request.id`) wins over the client-sent
 * `x-request-id` header, and either is kept only when it is 1 to 128 visible ASCII characters
 * (an id the client controls must not put megabytes or control characters in the trail).
 *
 * @example
 * requestIdOf(undefined, req.headers['x-request-id']); // the header, if well-formed
 */
export function requestIdOf(own: unknown, header: string | string[] | undefined): string | undefined {
  const id = typeof own === 'number' && Number.isFinite(own) ? String(own) : own;
  if (typeof id === 'string' && boundedId.test(id)) return id;
  const sent = headerValue(header);
  return sent !== undefined && boundedId.test(sent) ? sent : undefined;
}
