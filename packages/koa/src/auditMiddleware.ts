import type { ServerResponse } from 'node:http';
import { AuditRecorder, headerValue, stripQuery } from '@auditledge/core/adapter';
import type { Context, Next } from 'koa';
import { type AuditedResponse, KoaRequestAudit, kAudit } from './koaRequestAudit.js';
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
  const recorder = new AuditRecorder<Context>(options);

  function onResponseFinished(this: ServerResponse): void {
    const state = (this as AuditedResponse)[kAudit];
    // A client that went away before the handler answered: the outcome is unknown, as with
    // Fastify, whose onResponse does not run then.
    if (state === undefined || !this.writableEnded) return;
    try {
      const ctx = state.ctx;
      const headers = ctx.req.headers;
      const requestId = (ctx.state as { requestId?: unknown }).requestId;
      state.body = ctx.body;
      recorder.finish(state, {
        req: ctx,
        method: ctx.method,
        route: matchedRoute(ctx),
        path: stripQuery(ctx.originalUrl),
        params: (ctx as { params?: Record<string, string> }).params,
        status: this.statusCode,
        durationMs: performance.now() - state.start,
        user: (ctx.state as { user?: unknown }).user,
        ip: ctx.ip,
        userAgent: headers['user-agent'],
        requestId: typeof requestId === 'string' ? requestId : headerValue(headers['x-request-id']),
      });
    } catch {
      // recorder.finish reports its own failures; this only guards reading the context.
    }
  }

  function auditMiddleware(ctx: Context, next: Next): Promise<unknown> {
    const res = ctx.res as AuditedResponse;
    // A second auditMiddleware() on the same request leaves it to the first one.
    if (res[kAudit] === undefined) {
      try {
        const state = new KoaRequestAudit(ctx, onResponseFinished);
        res[kAudit] = state;
        ctx.state.audit = state;
        if (recorder.auditsMethod(ctx.method)) state.arm();
      } catch {
        // Never into the request: without its state, this request is simply not audited.
      }
    }
    return next();
  }

  return Object.defineProperty(auditMiddleware, 'client', {
    value: recorder.client,
    enumerable: true,
  }) as AuditMiddleware;
}
