import type { ServerResponse } from 'node:http';
import {
  AuditRecorder,
  closeClient,
  DeclaredRoutes,
  onceAnswered,
  onResponseClose,
  RequestAudit,
  requestIdOf,
  resolveShutdownTimeout,
  stripQuery,
  warnMisuse,
} from '@auditledge/core/adapter';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  onSendHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { declareRoute, seenByPlugin, specOf } from './routeAudit.js';
import type { AuditOptions } from './types.js';

const kAudit = Symbol('auditledge.audit');
/** The reply of a raw response, for the close listener (one shared function, no closure per request). */
const kReply = Symbol('auditledge.reply');

type AuditedRequest = FastifyRequest & { [kAudit]: RequestAudit<FastifyRequest> | null };

function stateOf(request: FastifyRequest): RequestAudit<FastifyRequest> {
  const r = request as AuditedRequest;
  if (r[kAudit] === null || r[kAudit] === undefined) r[kAudit] = new RequestAudit<FastifyRequest>();
  return r[kAudit];
}

type RawResponse = ServerResponse & { [kReply]?: FastifyReply };

/** Keeps a JSON response body, whose `id` names a created resource; the payload goes on untouched. */
function captureBody(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, p: unknown) => void,
) {
  if (typeof payload === 'string' && String(reply.getHeader('content-type')).includes('json')) {
    stateOf(request).body = payload;
  }
  done(null, payload);
}

async function auditledgePlugin(fastify: FastifyInstance, options: AuditOptions): Promise<void> {
  // Not a client option: the rest goes to the recorder (and the client it may create).
  const { shutdownTimeout: rawTimeout, ...auditOptions } = options ?? {};
  const shutdownTimeout = resolveShutdownTimeout(rawTimeout);
  // Throws AL_ERR_CONFIG here, making register() reject, when no key can be found.
  const recorder = new AuditRecorder<FastifyRequest>(auditOptions);
  // Whether any route outside `methods` declared a spec: until one does, such requests
  // (GETs, typically) are dismissed without reading their route options.
  let specsOutsideMethods = false;
  // Every route template, for a create whose response names several ids: the one the app's item
  // routes use is taken. Read once per collection, when a create first needs it.
  const templates: string[] = [];
  const declaredRoutes = new DeclaredRoutes(() => templates);

  fastify.decorateRequest(kAudit, null);
  fastify.decorateRequest('audit', {
    getter(this: FastifyRequest) {
      return stateOf(this).handle;
    },
  });

  fastify.addHook('onRoute', function declareRouteAudit(routeOptions: RouteOptions) {
    if (typeof routeOptions.url === 'string') templates.push(routeOptions.url);
    const spec = declareRoute(routeOptions);
    const methods = Array.isArray(routeOptions.method) ? routeOptions.method : [routeOptions.method];
    if (spec !== undefined && methods.some((m) => !recorder.watches(m))) specsOutsideMethods = true;
    if (methods.some((m) => recorder.watches(m, spec))) {
      const existing = routeOptions.onRequest;
      const hooks = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
      routeOptions.onRequest = [...hooks, watchAbort as onRequestHookHandler];
    }
    // The body names a created resource, and mappers read it as `info.body`.
    if (recorder.keepsBody(routeOptions.url, spec)) {
      const existing = routeOptions.onSend;
      const hooks = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
      routeOptions.onSend = [...hooks, captureBody as onSendHookHandler];
    }
  });

  /**
   * Route-level `onRequest` hook of the routes the plugin may audit: Fastify does not run
   * `onResponse` when the client hangs up before the reply is sent, so the raw response's
   * `close` tells us, and the event is recorded once the handler has answered anyway. Shared
   * functions: nothing allocated per request but the listener entry.
   */
  function watchAbort(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const raw = reply.raw as RawResponse;
    raw[kReply] = reply;
    onResponseClose(raw, onRawClose);
    done();
  }

  function onRawClose(this: RawResponse): void {
    // Sent in full: onResponse ran on 'finish'. Otherwise (the client left before or during
    // the write) 'finish' will not come: record once the handler has answered.
    if (!this.writableFinished) onceAnswered(this, onAnsweredAfterAbort);
  }

  function onAnsweredAfterAbort(this: RawResponse): void {
    const reply = this[kReply];
    if (reply !== undefined) record(reply.request, reply, true);
  }

  fastify.addHook('onResponse', function auditResponse(request, reply, done: HookHandlerDoneFunction) {
    record(request, reply, false);
    done();
  });

  function record(request: FastifyRequest, reply: FastifyReply, aborted: boolean): void {
    try {
      const pending = (request as AuditedRequest)[kAudit];
      if (pending === null && !specsOutsideMethods && !recorder.watches(request.method)) return;
      // A getter that builds an object: read once.
      const { url, config } = request.routeOptions;
      if (config !== undefined && !seenByPlugin(config)) {
        warnMisuse(
          'fastify',
          'AUDITLEDGE_MOUNTED_AFTER_ROUTES',
          `${request.method} ${url} was declared before the @auditledge/fastify plugin was registered: ` +
            'its config.audit is read late and a client hanging up on it goes unrecorded. Register the plugin before your routes.',
        );
      }
      const state = pending ?? stateOf(request);
      state.spec = specOf(config);
      const headers = request.headers;
      recorder.finish(state, {
        req: request,
        method: request.method,
        route: url,
        path: stripQuery(request.url),
        params: request.params as Record<string, unknown> | undefined,
        status: reply.statusCode,
        durationMs: reply.elapsedTime,
        aborted,
        user: (request as { user?: unknown }).user,
        requestBody: request.body,
        ip: request.ip,
        userAgent: headers['user-agent'],
        requestId: requestIdOf(request.id, headers['x-request-id'], reply.getHeader('x-request-id')),
        declaredRoutes,
      });
    } catch (err) {
      // recorder.finish reports its own failures; this guards reading the request, and says so.
      if (recorder.watches(request.method))
        recorder.report(err, { method: request.method, route: undefined });
    }
  }

  fastify.addHook('onClose', function auditClose() {
    return closeClient(recorder, shutdownTimeout);
  });
}

/**
 * The Auditledge Fastify plugin: records an audit event for every mutation (POST, PUT, PATCH,
 * DELETE answered below 400), named from the route template, prefixes included:
 * `DELETE /invoices/:id` becomes `invoice.deleted` on `{ type: 'invoice', id }`. Events are
 * built in `onResponse` and handed to the client without waiting. Per-route declarations go in
 * `config.audit` and are read once, when the route is added: register the plugin before your
 * routes. On `app.close()` a client the plugin created is shut down (within `shutdownTimeout`,
 * 10 s by default); a client you passed is flushed for up to `shutdownTimeout` (1 s by default),
 * never shut down: call its `shutdown()` after `app.close()`.
 *
 * @example
 * await app.register(auditledge, { organization: (request) => request.user?.tenantId });
 * app.delete('/invoices/:id', { config: { audit: { action: 'invoice.voided' } } }, handler);
 * app.post('/heartbeat', { config: { audit: false } }, beat);
 */
// 4.26 is the first Fastify 4 with both request.routeOptions.config (4.23) and reply.elapsedTime.
export const auditledge = fp(auditledgePlugin, { fastify: '^4.26.0 || 5.x', name: '@auditledge/fastify' });
