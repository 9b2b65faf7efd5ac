import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './auth.js';
import { sendError, sendJson } from './http.js';
import { ClientGoneError, HttpError } from './httpError.js';
import type { RouteHandler, ServerContext } from './routes/context.js';
import { createEvent, getEvent, listEvents } from './routes/events.js';
import { exportEvents } from './routes/export.js';
import { getUsage } from './routes/usage.js';

type Methods = Readonly<Record<string, RouteHandler>>;

const EVENTS: Methods = { GET: listEvents, POST: createEvent };
const EXPORT: Methods = { GET: exportEvents };
const EVENT: Methods = { GET: getEvent };
const USAGE: Methods = { GET: getUsage };
const HEALTH: Methods = { GET: () => {} };
const EVENT_PREFIX = '/v1/events/';

/**
 * The request listener. Routing comes before authentication, so an unknown path is a 404
 * and a wrong method a 405 whatever the credentials; `GET /health` is the one open route,
 * for readiness probes.
 *
 * @example
 * http.createServer(createRequestListener(ctx));
 */
export function createRequestListener(
  ctx: ServerContext,
  onError: (err: unknown) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return function auditledgeLocal(req, res) {
    handle(req, res, ctx).catch((err: unknown) => {
      if (err instanceof ClientGoneError) {
        res.destroy();
        return;
      }
      if (!(err instanceof HttpError)) onError(err);
      sendError(res, err);
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: ServerContext): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const { methods, id } = match(path);
  if (!methods) throw new HttpError(404, 'Not found');
  const handler = methods[req.method ?? ''];
  if (!handler) throw new HttpError(405, 'Method not allowed', { allow: Object.keys(methods).join(', ') });
  if (methods === HEALTH) {
    sendJson(res, 200, '{"status":"ok"}');
    return;
  }
  const key = authenticate(req.headers.authorization, ctx.accounts);
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  await handler({ req, res, ctx, key, query, id });
}

function match(path: string): { methods?: Methods; id: string } {
  if (path === '/v1/events') return { methods: EVENTS, id: '' };
  if (path === '/v1/usage') return { methods: USAGE, id: '' };
  if (path === '/health') return { methods: HEALTH, id: '' };
  if (path === '/v1/events/export') return { methods: EXPORT, id: '' };
  if (path.startsWith(EVENT_PREFIX)) {
    const segment = path.slice(EVENT_PREFIX.length);
    if (segment === '' || segment.includes('/')) return { id: '' };
    try {
      return { methods: EVENT, id: decodeURIComponent(segment) };
    } catch {
      return { id: '' };
    }
  }
  return { id: '' };
}
