import type { ServerResponse } from 'node:http';
import { type ResolvedSpec, startAudit, warnMisuse } from '@auditledge/core/adapter';
import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Observable, tap } from 'rxjs';
import type { NestRecorder } from './nestRecorder.js';
import {
  NestRequestAudit,
  type PlatformRequest,
  type PlatformResponse,
  routeTemplateOf,
} from './nestRequestAudit.js';
import { kRecorder, kRouteSpec } from './tokens.js';

type Spec = ResolvedSpec<unknown> | false | undefined;

/**
 * The module's global interceptor (`APP_INTERCEPTOR`). Interceptors run once a route has matched
 * and its guards have let the request through, so a 404 or a guard's 401/403 never reaches it
 * and records nothing. It keeps the request's state on the raw Node request, reads the route's
 * template, params and `@Audit()` declaration while the route runs (Express forgets them on an
 * error path), and arms the state on the raw response's close: the event is built there, from
 * the final status, after Nest's exception filters have answered. It never changes the
 * response and never throws into the request.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  /** Per handler, per controller class (a subclass inherits handlers): the route's declaration. */
  private readonly specs = new WeakMap<object, WeakMap<object, Spec>>();

  constructor(
    @Inject(kRecorder) private readonly nest: NestRecorder,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // GraphQL resolvers, microservices and websockets go through global interceptors too.
    if (context.getType() !== 'http') return next.handle();
    let state: (NestRequestAudit & Keeper) | undefined;
    try {
      state = this.start(context);
    } catch (err) {
      // Never into the request: unaudited, and heard (startAudit reports what its setup throws).
      this.nest.recorder.report(err, { method: methodOf(context), route: undefined });
    }
    if (state === undefined) return next.handle();
    return next.handle().pipe(tap({ next: state.keepBody }));
  }

  /** Starts the request's audit; returns it when the handler's return value is worth keeping. */
  private start(context: ExecutionContext): (NestRequestAudit & Keeper) | undefined {
    const http = context.switchToHttp();
    const request = http.getRequest<PlatformRequest>();
    const response = http.getResponse<PlatformResponse>();
    const raw = request?.raw ?? request;
    const method = raw?.method;
    if (raw === undefined || raw === null || typeof method !== 'string') return undefined;
    const nest = this.nest;
    const recorder = nest.recorder;
    let keep = false;
    const state = startAudit(
      raw,
      () =>
        new NestRequestAudit((response?.raw ?? response) as ServerResponse, nest.onResponseFinished, request),
      (state) => {
        const spec = this.specOf(context.getHandler(), context.getClass());
        const route = routeTemplateOf(request);
        state.spec = spec;
        state.route = route;
        state.params = request.params;
        if (route === undefined) {
          warnMisuse(
            'nestjs',
            'AUDITLEDGE_NO_ROUTE_TEMPLATE',
            `the route template of ${method} ${String(raw.url)} cannot be read on this platform, so nothing ` +
              'is recorded: @auditledge/nestjs supports @nestjs/platform-express and @nestjs/platform-fastify',
          );
          return;
        }
        if (!recorder.watches(method, spec)) return;
        state.arm();
        // The handler's return value: a created resource's id, or `info.body` for a mapper.
        keep = recorder.keepsBody(route, spec);
      },
      recorder,
      method,
    );
    if (state === undefined || !keep) return undefined;
    const keeper = state as NestRequestAudit & Keeper;
    keeper.keepBody = function keepBody(body: unknown) {
      // The handler's return value, before the platform serializes it: a created resource's id.
      state.body = body;
    };
    return keeper;
  }

  private specOf(handler: object, controller: object): Spec {
    let byClass = this.specs.get(handler);
    if (byClass === undefined) {
      byClass = new WeakMap();
      this.specs.set(handler, byClass);
    }
    if (byClass.has(controller)) return byClass.get(controller);
    // The method's declaration replaces the controller's.
    const spec = this.reflector.getAllAndOverride<Spec>(kRouteSpec, [handler as never, controller as never]);
    byClass.set(controller, spec);
    return spec;
  }
}

function methodOf(context: ExecutionContext): string {
  try {
    const method = context.switchToHttp().getRequest<PlatformRequest>()?.method;
    return typeof method === 'string' ? method : 'request';
  } catch {
    return 'request';
  }
}

interface Keeper {
  keepBody: (body: unknown) => void;
}
