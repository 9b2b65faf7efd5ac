import type { Transport, TransportRequest, TransportResponse } from './transport.js';

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
      try {
        const res = await fetchImpl(base + req.path, {
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          signal: controller.signal,
        });
        const body = await res.text();
        const headers: Record<string, string> = {};
        res.headers.forEach((value, key) => {
          headers[key] = value;
        });
        return { status: res.status, headers, body };
      } finally {
        clearTimeout(timer);
        controllers.delete(controller);
      }
    },
    async close() {},
    async destroy() {
      for (const controller of controllers)
        controller.abort(Object.assign(new Error('destroyed'), { code: 'ECANCELED' }));
    },
  };
}

function timeoutError(): Error {
  return Object.assign(new Error('Request timed out'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
}
