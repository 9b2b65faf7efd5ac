/** One HTTP exchange, as the client asks for it. */
export interface TransportRequest {
  method: 'GET' | 'POST';
  /** Path and query, relative to the base URL's path: `/v1/events?limit=5`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Give up after this many ms (connect, headers or body). */
  timeout: number;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * The HTTP layer, replaceable for tests and other runtimes. `request` rejects on network
 * failures and timeouts only; any HTTP status resolves.
 * Errors should carry a `code` (`UND_ERR_HEADERS_TIMEOUT`, `ECONNRESET`...) so timeouts are told apart.
 */
export interface Transport {
  request(request: TransportRequest): Promise<TransportResponse>;
  /** Let in-flight requests finish, then release connections. */
  close?(): Promise<void>;
  /** Abort in-flight requests and release connections at once. */
  destroy?(): Promise<void>;
}
