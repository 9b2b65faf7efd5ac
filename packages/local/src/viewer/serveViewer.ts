import type { IncomingMessage, ServerResponse } from 'node:http';
import { ASSET_PREFIX, loadViewerAssets, type ViewerAsset } from './assets.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The page may load only its own files and talk only to its own origin: no inline script
 * or style, no eval, no framing, and Trusted Types so that no string can ever reach
 * `innerHTML` (event data is rendered with `textContent` only).
 */
export const VIEWER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  'trusted-types',
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': VIEWER_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Revalidated on every load (a cheap 304), so an upgraded package never serves a stale page.
  'cache-control': 'no-cache',
};

/**
 * Wraps the API's request listener so that `GET /` is the trail viewer and `/viewer/*` its
 * files. Everything else goes to `next` untouched: the page reads the trail through the
 * public `/v1` endpoints with the user's key, like any client, and has no route of its own.
 *
 * @example
 * http.createServer(withViewer(createRequestListener(ctx, onError), onError));
 */
export function withViewer(next: Listener, onError: (err: unknown) => void): Listener {
  let assets: ReadonlyMap<string, ViewerAsset> | undefined;
  return function trailViewer(req, res) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path !== '/' && !path.startsWith(ASSET_PREFIX)) {
      next(req, res);
      return;
    }
    try {
      // Read on first use, not at start: a server whose page nobody opens pays nothing.
      assets ??= loadViewerAssets();
    } catch (err) {
      onError(err);
      send(res, 500, 'Internal server error', {});
      return;
    }
    const asset = assets.get(path);
    if (!asset) {
      next(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method not allowed', { allow: 'GET, HEAD' });
      return;
    }
    const headers = { ...SECURITY_HEADERS, etag: asset.etag };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      'content-type': asset.contentType,
      'content-length': asset.body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };
}

function send(res: ServerResponse, status: number, error: string, headers: Record<string, string>): void {
  const json = JSON.stringify({ error });
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}
