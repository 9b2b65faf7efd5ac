import { AuditRecorder, headerValue, stripQuery } from '@auditledge/core/adapter';
import type { NextFunction, Request, Response } from 'express';
import { type AuditedRequest, captureRouting, ExpressRequestAudit, kAudit } from './expressRequestAudit.js';
import { routeParams, routeTemplate } from './routeTemplate.js';
import type { AuditMiddleware, AuditOptions } from './types.js';

/**
 * Records an audit event for every mutation (POST, PUT, PATCH, DELETE answered below 400), named
 * from the route template: `DELETE /invoices/:id` becomes `invoice.deleted` on `{ type: 'invoice',
 * id }`. Events are built after the response has finished and handed to the client without
 * waiting; the response is never changed or delayed. Mount it before your routers. Throws
 * `AL_ERR_CONFIG` here, at setup, when there is no client, no `apiKey` and no `AUDITLEDGE_API_KEY`.
 *
 * @example
 * const audit = auditMiddleware({ actor: (req) => req.user, organization: (req) => req.user?.tenantId });
 * app.use(audit);
 * const server = app.listen(3000);
 * process.on('SIGTERM', () => server.close(() => audit.client.shutdown()));
 */
export function auditMiddleware(options?: AuditOptions): AuditMiddleware {
  const recorder = new AuditRecorder<Request>(options);

  function onResponseFinished(this: Response): void {
    const req = this.req as AuditedRequest;
    const state = req[kAudit];
    // A client that went away before the handler answered: the outcome is unknown, as with
    // Fastify, whose onResponse does not run then.
    if (state === undefined || !this.writableEnded) return;
    try {
      const user = (req as { user?: unknown }).user ?? (req as { auth?: unknown }).auth;
      const id = (req as { id?: unknown }).id;
      recorder.finish(state, {
        req,
        method: req.method,
        route: routeTemplate(state),
        path: stripQuery(req.originalUrl ?? req.url),
        params: routeParams(state),
        status: this.statusCode,
        durationMs: performance.now() - state.start,
        user,
        ip: req.ip,
        userAgent: req.headers['user-agent'],
        requestId: typeof id === 'string' ? id : headerValue(req.headers['x-request-id']),
      });
    } catch {
      // recorder.finish reports its own failures; this only guards reading the request.
    }
  }

  function auditMiddleware(req: Request, res: Response, next: NextFunction): void {
    const audited = req as AuditedRequest;
    // A second auditMiddleware() on the same request leaves it to the first one.
    if (audited[kAudit] === undefined) {
      try {
        const state = new ExpressRequestAudit(res, onResponseFinished);
        audited[kAudit] = state;
        req.audit = state;
        captureRouting(audited, state);
        if (recorder.auditsMethod(req.method)) {
          state.arm();
          state.json = res.json;
          res.json = captureJson;
        }
      } catch {
        // Never into the request: without its state, this request is simply not audited.
      }
    }
    next();
  }

  return Object.defineProperty(auditMiddleware, 'client', {
    value: recorder.client,
    enumerable: true,
  }) as AuditMiddleware;
}

/** Keeps the JSON body (`res.json()`, `res.send(object)`), whose `id` names a created resource. */
function captureJson(this: Response, body: unknown): Response {
  const state = (this.req as AuditedRequest)[kAudit]!;
  state.body = body;
  return state.json!.call(this, body);
}
