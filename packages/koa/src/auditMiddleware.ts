import type { ServerResponse } from 'node:http';
import {
  AuditRecorder,
  auditOf,
  monotonicNow,
  NodeRequestAudit,
  passedAsMiddleware,
  recordOnFinish,
  requestIdOf,
  startAudit,
  stripQuery,
  warnMisuse,
  withClient,
} from '@auditledge/core/adapter';
import type { Context, Next } from 'koa';
import { declaredRoutesOf } from './declaredRoutes.js';
import { matchedRoute } from './matchedRoute.js';
import type { AuditMiddleware, AuditOptions } from './types.js';

/**
 * Records an audit event for every mutation (POST, PUT, PATCH, DELETE answered below 400) routed
 * by @koa/router, named from the route template: `DELETE /invoices/:id` becomes
 * `invoice.deleted` on `{ type: 'invoice', id }`. Events are built after the response has
 * finished and handed to the client without waiting; the response is never changed or delayed.
 * Mount it before your routers. Throws `AL_ERR_CONFIG` here, at setup, when there is no
 * client, no `apiKey` and no `AUDITLEDGE_API_KEY`.
 *
 * @example
 * const audit = auditMiddleware({ organization: (ctx) => ctx.state.user?.tenantId });
 * app.use(audit);
 * app.use(router.routes());
 * const server = app.listen(3000);
 * process.on('SIGTERM', () => server.close(() => audit.client.shutdown()));
 */
export function auditMiddleware(options?: AuditOptions): AuditMiddleware {
  // `app.use(auditMiddleware)`: without letting the request through, every route would answer 404.
  // biome-ignore lint/complexity/noArguments: the (ctx, next) Koa passed by mistake
  const misused = passedAsMiddleware('koa', options, arguments, 1);
  if (misused) return misused.next as never;
  const recorder = new AuditRecorder<Context>(options);
  let checkedMount = false;
  const { onResponseFinished, record } = recordOnFinish(
    recorder,
    (res: ServerResponse) => auditOf<KoaRequestAudit>(res),
    (res, state, aborted) => {
      const ctx = state.context;
      const headers = ctx.req.headers;
      // koa-requestid / koa-x-request-id put it on ctx.id or ctx.state.requestId / ctx.state.id.
      const state_ = ctx.state as { requestId?: unknown; id?: unknown };
      const requestId = (ctx as { id?: unknown }).id ?? state_.requestId ?? state_.id;
      state.body = ctx.body;
      return {
        req: ctx,
        method: ctx.method,
        route: matchedRoute(ctx),
        path: stripQuery(ctx.originalUrl),
        params: (ctx as { params?: Record<string, unknown> }).params,
        status: res.statusCode,
        durationMs: monotonicNow() - state.start,
        aborted,
        user: (ctx.state as { user?: unknown }).user,
        requestBody: (ctx.request as { body?: unknown }).body,
        ip: ctx.ip,
        userAgent: headers['user-agent'],
        requestId: requestIdOf(requestId, headers['x-request-id'], res.getHeader('x-request-id')),
        declaredRoutes: declaredRoutesOf(ctx),
      };
    },
  );

  // Koa 2 never ends a response whose client left (respond() returns when !ctx.writable; Koa 3
  // calls res.end()), so there the handler's completion is the answer onceAnswered waits for.
  function onHandled(res: ServerResponse): void {
    if (!res.writableEnded && res.closed) setImmediate(recordIfUnanswered, res);
  }

  function recordIfUnanswered(res: ServerResponse): void {
    if (!res.writableEnded && auditOf(res)?.armed === true) record(res, true);
  }

  function auditMiddleware(ctx: Context, next: Next): Promise<unknown> {
    const res = ctx.res;
    if (!checkedMount) {
      checkedMount = true;
      warnIfAfterRouter(ctx, auditMiddleware);
    }
    const state = startAudit(
      res,
      (): KoaRequestAudit => new NodeRequestAudit(res, onResponseFinished, ctx),
      (state) => {
        ctx.state.audit = state.handle;
      },
      recorder,
      ctx.method,
    );
    return state === undefined ? next() : next().then(() => onHandled(res));
  }

  return withClient(auditMiddleware, recorder) as AuditMiddleware;
}

/** The Koa request state: the core handle plus the context it belongs to. */
type KoaRequestAudit = NodeRequestAudit<ServerResponse, Context>;

/**
 * On the first request the middleware sees: a @koa/router `routes()` middleware mounted before
 * it answers its routes without calling it, so none of them is audited.
 */
function warnIfAfterRouter(ctx: Context, self: unknown): void {
  try {
    const stack = (ctx.app as { middleware?: unknown[] }).middleware;
    if (!Array.isArray(stack)) return;
    const own = stack.indexOf(self);
    const router = stack.slice(0, Math.max(0, own)).some((fn) => typeof fn === 'function' && 'router' in fn);
    if (own <= 0 || (!router && (ctx as { matched?: unknown[] }).matched === undefined)) return;
    warnMisuse(
      'koa',
      'AUDITLEDGE_MOUNTED_AFTER_ROUTES',
      'auditMiddleware() is mounted after router.routes(): requests the router answers are never ' +
        'audited. Mount it before your routers.',
    );
  } catch {
    // Only a diagnosis: never into the request.
  }
}
