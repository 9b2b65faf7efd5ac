import type { ServerResponse } from 'node:http';
import type { AuditLedge } from '../client.js';
import type { FinishedRequest } from './finishedRequest.js';
import { onceAnswered, onResponseClose } from './onResponseClose.js';
import type { AuditRecorder } from './recorder.js';
import { RequestAudit } from './requestAudit.js';
import { resolveRouteSpec } from './spec.js';
import type { RouteAuditSpec } from './types.js';
import { looksLikeRequest, warnMisuse } from './unrecorded.js';

// What the adapters on Node's own request/response objects (Express, Koa) share: the state they
// arm by listening for the response's close, the finish callback, the first-middleware-wins
// guard and the per-route `audit()` middleware's body. Fastify has its own hooks for all of it.

/** Where a request's audit state lives: on `req` (Express) or `res` (Koa), whichever the finish callback reaches. */
export const kAudit = Symbol('auditledge.audit');

type Holder<State> = { [kAudit]?: State };

/** The audit state kept on `holder` by `startAudit()`, if any. */
export function auditOf<State extends RequestAudit<never>>(holder: object): State | undefined {
  return (holder as Holder<State>)[kAudit];
}

/** A request's state whose `arm()` listens for the end of its Node response. */
export class NodeRequestAudit<Res extends ServerResponse, Req> extends RequestAudit<Req> {
  constructor(
    readonly res: Res,
    private readonly onFinish: (this: Res) => void,
    /** The adapter's own request object (Koa's `ctx`), for the finish callback. */
    readonly context: Req,
  ) {
    super();
  }

  override arm(): void {
    if (this.armed) return;
    this.armed = true;
    const res = this.res;
    if (res.closed && !res.writableEnded) {
      // Armed after the client left (a per-route audit() behind an async middleware, a Nest
      // interceptor behind an async guard): judge it now, while the handler has yet to answer.
      // On the next tick, which comes after the microtasks that run the handler, its answer
      // would make the hang-up look like a complete request, recorded without `aborted: true`.
      this.onFinish.call(res);
      return;
    }
    // On the response, not in the middleware's finally: the final status is only known after
    // the framework's own error handling has answered.
    onResponseClose(res, this.onFinish);
  }
}

/**
 * Starts auditing a request on `holder`: `create()` the state, keep it there, `setup()`, then
 * arm it when the recorder watches the method. A second auditMiddleware() on the same request
 * leaves it to the first one. Never throws into the request: without its state, a request is
 * simply not audited.
 */
export function startAudit<Req, State extends RequestAudit<Req>>(
  holder: object,
  create: () => State,
  setup: (state: State) => void,
  recorder: AuditRecorder<Req>,
  method: string,
): State | undefined {
  if ((holder as Holder<State>)[kAudit] !== undefined) return undefined;
  try {
    const state = create();
    (holder as Holder<State>)[kAudit] = state;
    setup(state);
    if (recorder.watches(method)) state.arm();
    return state;
  } catch (err) {
    // Never into the request: without its state this request is not audited, and that is heard
    // (a bare catch here once left every request of a jest 26 suite unaudited without a word).
    if ((holder as Holder<State>)[kAudit]?.armed !== true && recorder.watches(method)) {
      recorder.report(err, { method, route: undefined });
    }
    return undefined;
  }
}

/** What `recordOnFinish()` returns: the listener `arm()` installs, and the recording it ends in. */
export interface FinishRecorder<Res> {
  onResponseFinished(this: Res): void;
  record(res: Res, aborted: boolean): void;
}

/**
 * The finish callback of a Node adapter: records the request once its response is over, or,
 * when the client hung up before the handler answered, once the handler does answer (Express
 * and Koa 3 still call `res.end()` then): the handler may still complete the mutation.
 * `facts()` reads the finished request; a failure to read it goes nowhere near the app
 * (`recorder.finish` reports its own).
 */
export function recordOnFinish<Req, Res extends ServerResponse, State extends RequestAudit<Req>>(
  recorder: AuditRecorder<Req>,
  stateOf: (res: Res) => State | undefined,
  facts: (res: Res, state: State, aborted: boolean) => FinishedRequest<Req>,
): FinishRecorder<Res> {
  function record(res: Res, aborted: boolean): void {
    const state = stateOf(res);
    if (state === undefined) return;
    try {
      recorder.finish(state, facts(res, state, aborted));
    } catch (err) {
      // recorder.finish reports its own failures; this guards reading the request, and says so.
      const method = (res as { req?: { method?: unknown } }).req?.method;
      recorder.report(err, { method: typeof method === 'string' ? method : 'request', route: undefined });
    }
  }

  function onAnsweredAfterAbort(this: Res): void {
    record(this, true);
  }

  function onResponseFinished(this: Res): void {
    if (stateOf(this) === undefined) return;
    if (!this.writableEnded) onceAnswered(this, onAnsweredAfterAbort);
    else record(this, false);
  }

  return { onResponseFinished, record };
}

/**
 * The body of a per-route `audit()` middleware: the declaration, validated once here, goes to
 * the request's state (and arms it); with no state, no auditMiddleware() saw the request, and
 * the app is told once. `route()` names the request in that warning; `mountHint` says where
 * auditMiddleware() belongs.
 */
export function routeAudit<Req>(
  adapter: string,
  mountHint: string,
  actionOrSpec: string | RouteAuditSpec<Req> | false,
  spec: RouteAuditSpec<Req> | undefined,
): (state: RequestAudit<Req> | undefined, route: () => string) => void {
  const declared = resolveRouteSpec<Req>(actionOrSpec, spec);
  return function declareRoute(state, route) {
    if (state !== undefined) {
      state.spec = declared;
      state.arm();
      return;
    }
    warnMisuse(
      adapter,
      'AUDITLEDGE_NO_MIDDLEWARE',
      `audit() ran on ${route()} but no auditMiddleware() saw the request, so nothing is recorded: ` +
        `mount app.use(auditMiddleware({ ... })) before your ${mountHint}`,
    );
  };
}

/** An adapter's per-route `audit()`: `audit(action, spec?)`, or `audit(spec)`, or `audit(false)` to opt out. */
export interface RouteAuditFactory<Req, Handler> {
  (action: string, spec?: RouteAuditSpec<Req>): Handler;
  (spec: RouteAuditSpec<Req> | false): Handler;
}

/**
 * Makes an adapter's per-route `audit()`: each call validates its declaration once and returns
 * the framework middleware `wrap()` builds around the `declareRoute` of `routeAudit()`.
 *
 * @example
 * export const audit = routeAuditFactory<Context, Middleware>('koa', 'routers', (declare) =>
 *   (ctx, next) => { declare(auditOf(ctx.res), () => ctx.path); return next(); });
 */
export function routeAuditFactory<Req, Handler>(
  adapter: string,
  mountHint: string,
  wrap: (declare: ReturnType<typeof routeAudit<Req>>) => Handler,
): RouteAuditFactory<Req, Handler> {
  return ((actionOrSpec: string | RouteAuditSpec<Req> | false, spec?: RouteAuditSpec<Req>) =>
    wrap(routeAudit<Req>(adapter, mountHint, actionOrSpec, spec))) as RouteAuditFactory<Req, Handler>;
}

/**
 * `app.use(auditMiddleware)`: the framework is calling the factory itself on every request, with
 * the request where the options go. Says so once (the app works, unaudited, loudly) and calls the
 * framework's `next`, found at `args[nextAt]`: `{ next: its result }`, for the factory to return
 * in place of a middleware. `undefined` when `options` are options.
 */
export function passedAsMiddleware(
  adapter: string,
  options: unknown,
  args: ArrayLike<unknown>,
  nextAt: number,
): { next: unknown } | undefined {
  if (!looksLikeRequest(options)) return undefined;
  warnMisuse(
    adapter,
    'AUDITLEDGE_MIDDLEWARE_NOT_CALLED',
    'app.use(auditMiddleware) was given the factory itself, so nothing is audited: ' +
      'call it, app.use(auditMiddleware({ ... }))',
  );
  const next = args[nextAt];
  return { next: typeof next === 'function' ? next() : undefined };
}

/** The middleware with the client it records through, as its `client` property. */
export function withClient<Middleware extends object>(
  middleware: Middleware,
  recorder: { readonly client: AuditLedge },
): Middleware & { readonly client: AuditLedge } {
  return Object.defineProperty(middleware, 'client', {
    value: recorder.client,
    enumerable: true,
  }) as Middleware & {
    readonly client: AuditLedge;
  };
}
