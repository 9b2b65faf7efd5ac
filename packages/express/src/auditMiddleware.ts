import {
  AuditRecorder,
  auditOf,
  monotonicNow,
  passedAsMiddleware,
  recordOnFinish,
  requestIdOf,
  startAudit,
  stripQuery,
  warnMisuse,
  withClient,
} from '@auditledge/core/adapter';
import type { NextFunction, Request, Response } from 'express';
import { declaredRoutesOf } from './declaredRoutes.js';
import { type AuditedRequest, captureRouting, ExpressRequestAudit } from './expressRequestAudit.js';
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
  // biome-ignore lint/complexity/noArguments: the (req, res, next) of `app.use(auditMiddleware)`
  if (passedAsMiddleware('express', options, arguments, 2)) return undefined as never;
  const recorder = new AuditRecorder<Request>(options);
  let checkedMount = false;

  const { onResponseFinished } = recordOnFinish(
    recorder,
    (res: Response) => auditOf<ExpressRequestAudit>(res.req),
    (res, state, aborted) => {
      const req = state.context;
      const user = (req as { user?: unknown }).user ?? (req as { auth?: unknown }).auth;
      return {
        req,
        method: req.method,
        route: routeTemplate(state, req.app),
        path: stripQuery(req.originalUrl ?? req.url),
        params: routeParams(state),
        status: res.statusCode,
        durationMs: monotonicNow() - state.start,
        aborted,
        user,
        requestBody: req.body,
        ip: req.ip,
        userAgent: req.headers['user-agent'],
        requestId: requestIdOf(
          (req as { id?: unknown }).id,
          req.headers['x-request-id'],
          res.getHeader('x-request-id'),
        ),
        declaredRoutes: declaredRoutesOf(req.app),
      };
    },
  );

  function auditMiddleware(req: Request, res: Response, next: NextFunction): void {
    const audited = req as AuditedRequest;
    if (!checkedMount) {
      checkedMount = true;
      warnIfAfterRoutes(req, auditMiddleware);
    }
    startAudit(
      req,
      () => new ExpressRequestAudit(res, onResponseFinished, req),
      (state) => {
        req.audit = state.handle;
        captureRouting(audited, state);
      },
      recorder,
      req.method,
    );
    next();
  }

  return withClient(auditMiddleware, recorder) as AuditMiddleware;
}

interface Layer {
  handle?: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/**
 * On the first request the middleware sees: routes declared before it on the app answer their
 * requests without it ever running, so none of them is audited. Express keeps its stack on
 * `app.router` (v5) or `app._router` (v4); a middleware mounted elsewhere is not found and not checked.
 */
function warnIfAfterRoutes(req: Request, self: unknown): void {
  try {
    const app = req.app as unknown as { router?: { stack?: Layer[] }; _router?: { stack?: Layer[] } };
    const stack = (app?._router ?? app?.router)?.stack;
    if (!Array.isArray(stack)) return;
    const own = stack.findIndex((layer) => layer.handle === self);
    const before = stack.slice(0, Math.max(0, own)).find((layer) => layer.route !== undefined);
    if (own <= 0 || before === undefined) return;
    const methods = Object.keys(before.route?.methods ?? {})
      .join(',')
      .toUpperCase();
    warnMisuse(
      'express',
      'AUDITLEDGE_MOUNTED_AFTER_ROUTES',
      `auditMiddleware() is mounted after routes (${methods} ${String(before.route?.path)} first): ` +
        'requests they answer are never audited. Mount it before your routes and routers.',
    );
  } catch {
    // Only a diagnosis: never into the request.
  }
}
