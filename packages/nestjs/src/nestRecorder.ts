import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditLedge } from '@auditledge/core';
import {
  AuditRecorder,
  auditOf,
  closeClient,
  type DeclaredRoutes,
  monotonicNow,
  recordOnFinish,
  requestIdOf,
  resolveShutdownTimeout,
  stripQuery,
} from '@auditledge/core/adapter';
import { declaredRoutesOf, type HttpAdapterRef } from './declaredRoutes.js';
import type { NestRequestAudit, PlatformRequest } from './nestRequestAudit.js';
import type { AuditLedgeModuleOptions } from './types.js';

/**
 * The module's recorder: core's `AuditRecorder` for the platform's request objects, the finish
 * callback on the raw Node response (the same one Express and Koa use, so hang-ups and error
 * statuses behave alike), the app's declared routes and its shutdown.
 */
export class NestRecorder {
  readonly recorder: AuditRecorder<unknown>;
  /** The listener `arm()` puts on the raw response's `close` (one shared function). */
  readonly onResponseFinished: (this: ServerResponse) => void;
  readonly declaredRoutes: DeclaredRoutes;
  private readonly shutdownTimeout: number | undefined;

  /** Throws at setup time (so the app's creation fails) on bad options or when no key can be found. */
  constructor(
    options: AuditLedgeModuleOptions<unknown> | undefined,
    host: HttpAdapterRef | null | undefined,
  ) {
    const { shutdownTimeout, ...auditOptions } = options ?? {};
    this.shutdownTimeout = resolveShutdownTimeout(shutdownTimeout);
    this.recorder = new AuditRecorder<unknown>(auditOptions);
    this.declaredRoutes = declaredRoutesOf(host);
    const declaredRoutes = this.declaredRoutes;
    this.onResponseFinished = recordOnFinish<unknown, ServerResponse, NestRequestAudit>(
      this.recorder,
      (res) => auditOf(res.req as IncomingMessage),
      (res, state, aborted) => {
        // The platform's request object, as the interceptor found it.
        const request = state.context as PlatformRequest;
        const raw = res.req as IncomingMessage;
        const headers = raw.headers;
        return {
          req: request,
          method: raw.method ?? String(request.method),
          route: state.route,
          path: stripQuery(request.originalUrl ?? raw.url ?? ''),
          params: state.params,
          status: res.statusCode,
          durationMs: monotonicNow() - state.start,
          aborted,
          user: request.user,
          requestBody: request.body,
          ip: request.ip,
          userAgent: headers['user-agent'],
          requestId: requestIdOf(request.id, headers['x-request-id'], res.getHeader('x-request-id')),
          declaredRoutes,
        };
      },
    ).onResponseFinished;
  }

  get client(): AuditLedge {
    return this.recorder.client;
  }

  /**
   * On the app's shutdown: our own client is ours to shut down; a client the app passed in only
   * gets a flush; both bounded (`shutdownTimeout`), as the Fastify plugin's `onClose`.
   */
  close(): Promise<void> {
    return closeClient(this.recorder, this.shutdownTimeout);
  }
}
