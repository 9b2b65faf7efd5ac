import type { AuditLedge } from '@auditledge/core';
import { AuditRecorder, headerValue, RequestAudit, stripQuery } from '@auditledge/core/adapter';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onSendHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { declareRoute, mayCreate, specOf } from './routeAudit.js';
import type { AuditOptions } from './types.js';

const kAudit = Symbol('auditledge.audit');

/** How long `app.close()` waits for the queue of a client the app passed in. */
const PASSED_CLIENT_FLUSH_MS = 1000;

function flushWithin(client: AuditLedge, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    // A flush that settles first must not leave the process waiting on this timer.
    timer.unref();
  });
  return Promise.race([client.flush(), deadline]).finally(() => clearTimeout(timer));
}

type AuditedRequest = FastifyRequest & { [kAudit]: RequestAudit | null };

function stateOf(request: FastifyRequest): RequestAudit {
  const r = request as AuditedRequest;
  if (r[kAudit] === null || r[kAudit] === undefined) r[kAudit] = new RequestAudit();
  return r[kAudit];
}

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
  // Throws AL_ERR_CONFIG here, making register() reject, when no key can be found.
  const recorder = new AuditRecorder<FastifyRequest>(options);
  // Whether any route outside `methods` declared a spec: until one does, such requests
  // (GETs, typically) are dismissed without reading their route options.
  let specsOutsideMethods = false;

  fastify.decorateRequest(kAudit, null);
  fastify.decorateRequest('audit', {
    getter(this: FastifyRequest) {
      return stateOf(this);
    },
  });

  fastify.addHook('onRoute', function auditRoute(routeOptions: RouteOptions) {
    const spec = declareRoute(routeOptions);
    const methods = Array.isArray(routeOptions.method) ? routeOptions.method : [routeOptions.method];
    if (spec !== undefined && methods.some((m) => !recorder.auditsMethod(m))) specsOutsideMethods = true;
    if (spec !== false && mayCreate(routeOptions.url)) {
      const existing = routeOptions.onSend;
      const hooks = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
      routeOptions.onSend = [...hooks, captureBody as onSendHookHandler];
    }
  });

  fastify.addHook('onResponse', function auditResponse(request, reply, done: HookHandlerDoneFunction) {
    try {
      const pending = (request as AuditedRequest)[kAudit];
      if (pending === null && !specsOutsideMethods && !recorder.auditsMethod(request.method)) return done();
      // A getter that builds an object: read once.
      const { url, config } = request.routeOptions;
      const state = pending ?? stateOf(request);
      state.spec = specOf(config) as never;
      const headers = request.headers;
      recorder.finish(state, {
        req: request,
        method: request.method,
        route: url,
        path: stripQuery(request.url),
        params: request.params as Record<string, string> | undefined,
        status: reply.statusCode,
        durationMs: reply.elapsedTime,
        user: (request as { user?: unknown }).user,
        ip: request.ip,
        userAgent: headers['user-agent'],
        requestId: headerValue(headers['x-request-id']) ?? request.id,
      });
    } catch {
      // recorder.finish reports its own failures; this only guards reading the request.
    }
    done();
  });

  fastify.addHook('onClose', async function auditClose() {
    // Our own client is ours to close (shutdown() has its own deadline). A client the app passed
    // in is the app's to shut down: it only gets a flush, bounded so that a down API cannot
    // hold app.close() (and the app's own shutdown deadline) hostage.
    if (recorder.ownsClient) await recorder.client.shutdown();
    else await flushWithin(recorder.client, PASSED_CLIENT_FLUSH_MS);
  });
}

/**
 * The Auditledge Fastify plugin: records an audit event for every mutation (POST, PUT, PATCH,
 * DELETE answered below 400), named from the route template, prefixes included:
 * `DELETE /invoices/:id` becomes `invoice.deleted` on `{ type: 'invoice', id }`. Events are
 * built in `onResponse` and handed to the client without waiting. Per-route declarations go in
 * `config.audit` and are read once, when the route is added: register the plugin before your
 * routes. On `app.close()` a client the plugin created is shut down (within the client's
 * shutdown timeout); a client you passed is flushed for up to 1 s, never shut down: call its
 * `shutdown()` after `app.close()`.
 *
 * @example
 * await app.register(auditledge, { organization: (request) => request.user?.tenantId });
 * app.delete('/invoices/:id', { config: { audit: { action: 'invoice.voided' } } }, handler);
 * app.post('/heartbeat', { config: { audit: false } }, beat);
 */
export const auditledge = fp(auditledgePlugin, { fastify: '5.x', name: '@auditledge/fastify' });
