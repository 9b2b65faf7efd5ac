// Real Express, Koa, Fastify and NestJS (on platform-express and platform-fastify) apps with
// their adapters, in the test's process, for the adapter fault cases (evasion, asyncMappers,
// metadataFit): the same routes in each framework, each handler an async function the test
// drives step by step (no sleeping), events delivered by a real client to a scripted API on
// loopback.

import type { AddressInfo } from 'node:net';
import { listenNest } from '../../support/nestApp.js';

export type Framework = 'express' | 'koa' | 'fastify' | 'nestjs-express' | 'nestjs-fastify';
/** The adapters that are a middleware or plugin the app mounts (so can mount wrong). */
export const middlewareFrameworks: Framework[] = ['express', 'koa', 'fastify'];
export const adapterFrameworks: Framework[] = [...middlewareFrameworks, 'nestjs-express', 'nestjs-fastify'];

/** What a handler sees: the request's audit handle and the framework's own request object. */
export interface WorkContext {
  onClientClose(): Promise<void>;
  /** `req.audit`, `ctx.state.audit`, `request.audit`, or Nest's `@AuditContext()`. */
  handle: { set(o: unknown): unknown; skip(): void; log(e: unknown): void };
  /** Express `req`, Koa `ctx`, Fastify `request` (also under Nest, on each platform). */
  native: unknown;
}

/** What a route does: awaited inside the handler before it answers `status` with `body`. */
export type Work = (ctx: WorkContext) => Promise<void> | void;

export interface Route {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET';
  path: string;
  status: number;
  body?: unknown;
  work?: Work;
  /** A per-route spec (`audit()` / `config.audit` / `@Audit()`; `false`: `@SkipAudit()`). */
  spec?: Record<string, unknown> | false;
  /**
   * An async step before the route's own audit (a Nest guard, which runs before any interceptor;
   * in Express and Koa a middleware before the route's `audit()`): awaits this, then lets the
   * request in. Fastify: not supported.
   */
  guard?: (ctx: { onClientClose(): Promise<void> }) => Promise<void>;
  /** NestJS only: the handler throws `HttpException(body, status)` instead of answering. */
  throws?: boolean;
}

export interface AppOptions {
  /** Adapter options (client, onError, mappers...). */
  options: Record<string, unknown>;
  routes: Route[];
  /** Wiring mistakes under test. */
  misuse?: 'factory-not-called' | 'no-middleware' | 'mounted-after-routes';
  /** The framework's own request id (Express `req.id`, Koa `ctx.state.requestId`, Fastify `genReqId`). */
  requestId?: string;
  /** Fastify only (plugin and Nest's platform): the header Fastify takes `request.id` from. */
  requestIdHeader?: string;
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

const listen = async (server: import('node:http').Server): Promise<RunningApp> => {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** Resolves when the server side of this request's connection is closed. */
function closed(res: import('node:http').ServerResponse): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (res.closed) resolve();
      else res.once('close', () => resolve());
    });
}

export async function startApp(framework: Framework, app: AppOptions): Promise<RunningApp> {
  if (framework === 'express') return express(app);
  if (framework === 'koa') return koa(app);
  if (framework === 'fastify') return fastify(app);
  return nestjs(framework === 'nestjs-express' ? 'express' : 'fastify', app);
}

async function express({ options, routes, misuse, requestId }: AppOptions): Promise<RunningApp> {
  const { default: createApp } = await import('express');
  const { audit, auditMiddleware } = await import('../../../packages/express/src/index.js');
  const app = createApp();
  app.use(createApp.json());
  if (requestId !== undefined)
    app.use((req, _res, next) => {
      (req as unknown as { id: string }).id = requestId;
      next();
    });
  if (misuse === 'factory-not-called') app.use(auditMiddleware as never);
  else if (misuse !== 'no-middleware' && misuse !== 'mounted-after-routes')
    app.use(auditMiddleware(options as never));
  for (const route of routes) {
    const handlers: unknown[] = [];
    const { guard } = route;
    if (guard !== undefined) {
      handlers.push(async (_req: unknown, res: import('express').Response, next: () => void) => {
        await guard({ onClientClose: closed(res) });
        next();
      });
    }
    if (route.spec !== undefined) handlers.push(audit(route.spec as never));
    handlers.push(async (req: import('express').Request, res: import('express').Response) => {
      await route.work?.({ onClientClose: closed(res), handle: req.audit as never, native: req });
      if (route.body === undefined) res.status(route.status).end();
      else res.status(route.status).json(route.body);
    });
    (app as unknown as Record<string, (...a: unknown[]) => void>)[route.method.toLowerCase()]!(
      route.path,
      ...handlers,
    );
  }
  if (misuse === 'mounted-after-routes') app.use(auditMiddleware(options as never));
  return listen(app.listen(0, '127.0.0.1'));
}

async function koa({ options, routes, misuse, requestId }: AppOptions): Promise<RunningApp> {
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  const { audit, auditMiddleware } = await import('../../../packages/koa/src/index.js');
  const app = new Koa();
  const router = new Router();
  if (requestId !== undefined)
    app.use((ctx, next) => {
      (ctx.state as unknown as { requestId: string }).requestId = requestId;
      return next();
    });
  if (misuse === 'factory-not-called') app.use(auditMiddleware as never);
  else if (misuse !== 'no-middleware' && misuse !== 'mounted-after-routes')
    app.use(auditMiddleware(options as never));
  for (const route of routes) {
    const handlers: unknown[] = [];
    const { guard } = route;
    if (guard !== undefined) {
      handlers.push(async (ctx: import('koa').Context, next: () => Promise<unknown>) => {
        await guard({ onClientClose: closed(ctx.res) });
        return next();
      });
    }
    if (route.spec !== undefined) handlers.push(audit(route.spec as never));
    handlers.push(async (ctx: import('koa').Context) => {
      await route.work?.({ onClientClose: closed(ctx.res), handle: ctx.state.audit as never, native: ctx });
      ctx.status = route.status;
      if (route.body !== undefined) ctx.body = route.body;
    });
    (router as unknown as Record<string, (...a: unknown[]) => void>)[route.method.toLowerCase()]!(
      route.path,
      ...handlers,
    );
  }
  app.use(router.routes());
  if (misuse === 'mounted-after-routes') app.use(auditMiddleware(options as never));
  return listen(app.listen(0, '127.0.0.1'));
}

async function fastify({ options, routes, misuse, ...ids }: AppOptions): Promise<RunningApp> {
  const { default: Fastify } = await import('fastify');
  const { auditledge } = await import('../../../packages/fastify/src/index.js');
  const app = Fastify(fastifyIds(ids));
  const declare = () => {
    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.path,
        ...(route.spec === undefined ? {} : { config: { audit: route.spec as never } }),
        handler: async (request, reply) => {
          await route.work?.({
            onClientClose: closed(reply.raw),
            handle: (request as unknown as { audit: never }).audit,
            native: request,
          });
          reply.code(route.status);
          return route.body ?? null;
        },
      });
    }
  };
  if (misuse === 'mounted-after-routes') {
    declare();
    await app.register(auditledge, options as never);
  } else {
    if (misuse !== 'no-middleware') await app.register(auditledge, options as never);
    declare();
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

/** Fastify's options for where `request.id` comes from: its own counter unless told otherwise. */
function fastifyIds({ requestId, requestIdHeader }: Pick<AppOptions, 'requestId' | 'requestIdHeader'>) {
  return {
    ...(requestId === undefined ? {} : { genReqId: () => requestId }),
    ...(requestIdHeader === undefined ? {} : { requestIdHeader }),
  };
}

/**
 * A Nest app on either platform, one controller method per route; decorators applied as calls
 * (this file compiles without them). The handler injects the platform's request, its response
 * (passthrough, to watch the raw socket) and the audit handle, and answers through Nest.
 */
async function nestjs(
  platform: 'express' | 'fastify',
  { options, routes, misuse, requestId, requestIdHeader }: AppOptions,
): Promise<RunningApp> {
  if (misuse !== undefined) throw new Error(`no ${misuse} wiring for NestJS: the module has one`);
  await import('reflect-metadata');
  const common = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { ExpressAdapter } = await import('@nestjs/platform-express');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const { Audit, AuditContext, AuditLedgeModule, SkipAudit } = await import(
    '../../../packages/nestjs/src/index.js'
  );
  const verbs = {
    GET: common.Get,
    POST: common.Post,
    PUT: common.Put,
    PATCH: common.Patch,
    DELETE: common.Delete,
  };
  class RoutesController {}
  const proto = RoutesController.prototype as unknown as Record<string, unknown>;
  type PlatformResponse = { raw?: import('node:http').ServerResponse };
  const rawOf = (res: PlatformResponse) =>
    platform === 'express' ? (res as import('node:http').ServerResponse) : res.raw!;
  routes.forEach((route, i) => {
    const key = `route${i}`;
    proto[key] = async (req: unknown, res: PlatformResponse, audit: unknown) => {
      await route.work?.({ onClientClose: closed(rawOf(res)), handle: audit as never, native: req });
      if (route.throws) throw new common.HttpException(route.body ?? 'failed', route.status);
      return route.body;
    };
    const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
    const { guard } = route;
    if (guard !== undefined)
      common.UseGuards({
        async canActivate(context: import('@nestjs/common').ExecutionContext) {
          await guard({ onClientClose: closed(rawOf(context.switchToHttp().getResponse())) });
          return true;
        },
      })(proto, key, descriptor);
    verbs[route.method](route.path)(proto, key, descriptor);
    common.HttpCode(route.status)(proto, key, descriptor);
    if (route.spec === false) SkipAudit()(proto, key, descriptor);
    else if (route.spec !== undefined) Audit(route.spec as never)(proto, key, descriptor);
    common.Req()(proto, key, 0);
    common.Res({ passthrough: true })(proto, key, 1);
    AuditContext()(proto, key, 2);
  });
  common.Controller()(RoutesController);
  class AppModule {}
  common.Module({
    imports: [AuditLedgeModule.forRoot(options as never)],
    controllers: [RoutesController],
  })(AppModule);
  const adapter =
    platform === 'express'
      ? new ExpressAdapter()
      : new FastifyAdapter(fastifyIds({ requestId, requestIdHeader }));
  const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
  if (requestId !== undefined && platform === 'express')
    app.use((req: { id?: string }, _res: unknown, next: () => void) => {
      req.id = requestId;
      next();
    });
  return listenNest(app);
}

/** Sends one request and returns its status and body; the connection is not reused. */
export async function send(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method,
      agent: false,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * Sends a request and hangs up once `started` resolves (the handler is running), like a client
 * that gives up 20 ms in; resolves when the socket is gone.
 */
export async function sendAndHangUp(url: string, method: string, path: string, started: Promise<void>) {
  const { request } = await import('node:http');
  const req = request(`${url}${path}`, { method, agent: false });
  req.on('error', () => {});
  req.on('response', () => {
    throw new Error('the request was answered before the client hung up');
  });
  req.end();
  await started;
  await new Promise<void>((resolve) => {
    req.once('close', () => resolve());
    req.destroy();
  });
}

/** Collects `process.emitWarning` warnings with an `AUDITLEDGE_` code until `stop()`. */
export function collectWarnings(): { warnings: { code: string; message: string }[]; stop(): void } {
  const warnings: { code: string; message: string }[] = [];
  const listener = (w: Error & { code?: string }) => {
    if (w.code?.startsWith('AUDITLEDGE_')) warnings.push({ code: w.code, message: w.message });
  };
  process.on('warning', listener);
  return { warnings, stop: () => process.off('warning', listener) };
}
