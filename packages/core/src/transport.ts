import type { Readable } from 'node:stream';

/**
 * What a transport reads of a non-2xx answer's body: it only feeds the error's message, and a
 * 5xx whose body never ends must not grow memory. The rest is abandoned (the request aborted).
 */
export const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** One HTTP exchange, as the client asks for it. */
export interface TransportRequest {
  method: 'GET' | 'POST';
  /** Path and query, relative to the base URL's path: `/v1/events?limit=5`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Give up after this many ms (connect, headers or body). */
  timeout: number;
  /** Abort the request (reads given an `AbortSignal` by the caller); rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A response whose body is read as it arrives (`exportStream()`). */
export interface TransportStreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /**
   * The body, with backpressure: while nobody reads it, the transport stops reading the
   * socket. Destroy it to abandon the response.
   */
  body: Readable;
}

/**
 * The HTTP layer, replaceable for tests and other runtimes. `request` rejects on network
 * failures and timeouts only; any HTTP status resolves. For a non-2xx status, read at most
 * `MAX_ERROR_BODY_BYTES` of the body.
 * Errors should carry a `code` (`UND_ERR_HEADERS_TIMEOUT`, `ECONNRESET`...) so timeouts are told apart.
 */
export interface Transport {
  request(request: TransportRequest): Promise<TransportResponse>;
  /**
   * Like `request`, but resolves at the response's headers with its body as a stream
   * (`timeout` then applies to the headers and to each gap between body chunks). Optional:
   * without it, `exportStream()` reads the body whole through `request` and streams it from memory.
   */
  stream?(request: TransportRequest): Promise<TransportStreamResponse>;
  /** Let in-flight requests finish, then release connections. */
  close?(): Promise<void>;
  /** Abort in-flight requests and release connections at once. */
  destroy?(): Promise<void>;
}
