import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  MAX_ERROR_BODY_BYTES,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  type TransportStreamResponse,
} from './transport.js';

/**
 * A transport on the global `fetch`, for runtimes without undici's Pool (Deno, Bun,
 * edge workers). Slower than the default in Node, where you should not need it.
 *
 * @example
 * const audit = new AuditLedge(key, { transport: createFetchTransport('https://api.auditledge.com') });
 */
export function createFetchTransport(baseUrl: string, fetchImpl: typeof fetch = fetch): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  const controllers = new Set<AbortController>();
  return {
    async request(req: TransportRequest): Promise<TransportResponse> {
      const controller = new AbortController();
      controllers.add(controller);
      const timer = setTimeout(() => controller.abort(timeoutError()), req.timeout);
      const unlink = link(req.signal, controller);
      try {
        const res = await fetchImpl(base + req.path, {
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          signal: controller.signal,
        });
        const body = res.ok ? await res.text() : await readCapped(res, controller);
        return { status: res.status, headers: headersOf(res), body };
      } finally {
        clearTimeout(timer);
        unlink();
        controllers.delete(controller);
      }
    },
    // The timeout covers the headers only: fetch has no idle timer between body chunks.
    async stream(req: TransportRequest): Promise<TransportStreamResponse> {
      const controller = new AbortController();
      controllers.add(controller);
      const timer = setTimeout(() => controller.abort(timeoutError()), req.timeout);
      const unlink = link(req.signal, controller);
      const done = () => {
        unlink();
        controllers.delete(controller);
      };
      try {
        const res = await fetchImpl(base + req.path, {
          method: req.method,
          headers: req.headers,
          signal: controller.signal,
        });
        const body =
          res.body === null ? Readable.from([]) : Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
        body.once('close', done);
        return { status: res.status, headers: headersOf(res), body };
      } catch (err) {
        done();
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {},
    async destroy() {
      for (const controller of controllers)
        controller.abort(Object.assign(new Error('destroyed'), { code: 'ECANCELED' }));
    },
  };
}

/** The start of an error body; the rest is abandoned, since it only feeds a message. */
async function readCapped(res: Response, controller: AbortController): Promise<string> {
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = res.body.getReader();
  while (bytes < MAX_ERROR_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
  }
  if (bytes >= MAX_ERROR_BODY_BYTES) controller.abort(new Error('error body over the read cap'));
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
}

function headersOf(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return headers;
}

/** Aborts `controller` when the caller's `signal` does; returns the unlinking function. */
function link(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (signal === undefined) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function timeoutError(): Error {
  return Object.assign(new Error('Request timed out'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
}
