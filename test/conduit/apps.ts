import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditOptions as CoreAuditOptions } from '@auditledge/core/adapter';
import { auditMiddleware as expressAudit } from '@auditledge/express';
import { auditledge } from '@auditledge/fastify';
import { auditMiddleware as koaAudit } from '@auditledge/koa';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { ConduitError, type ConduitStore, type ConduitUser } from './store.js';

/** A running Conduit app on loopback. */
export interface ConduitApp {
  url: string;
  close(): Promise<void>;
}

/** Adapter options as each test passes them (a client, onError). */
export type ConduitAuditOptions = Pick<CoreAuditOptions<unknown>, 'client' | 'onError'>;

type Handler = (user: ConduitUser | undefined, params: Record<string, string>, body: any) => unknown;

interface Route {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  auth: boolean;
  status?: number;
  handle: Handler;
}

/** The RealWorld route set (the part that mutates, plus reads), in Express-style templates. */
function routes(store: ConduitStore): Route[] {
  return [
    {
      method: 'post',
      path: '/api/users',
      auth: false,
      status: 201,
      handle: (_u, _p, b) => store.register(b?.user),
    },
    { method: 'post', path: '/api/users/login', auth: false, handle: (_u, _p, b) => store.login(b?.user) },
    { method: 'get', path: '/api/user', auth: true, handle: (u) => store.userResponse(u!) },
    { method: 'put', path: '/api/user', auth: true, handle: (u, _p, b) => store.updateUser(u!, b?.user) },
    {
      method: 'get',
      path: '/api/profiles/:username',
      auth: false,
      handle: (u, p) => store.profile(p.username!, u),
    },
    {
      method: 'post',
      path: '/api/profiles/:username/follow',
      auth: true,
      handle: (u, p) => store.follow(u!, p.username!, true),
    },
    {
      method: 'delete',
      path: '/api/profiles/:username/follow',
      auth: true,
      handle: (u, p) => store.follow(u!, p.username!, false),
    },
    {
      method: 'post',
      path: '/api/articles',
      auth: true,
      status: 201,
      handle: (u, _p, b) => store.createArticle(u!, b?.article),
    },
    { method: 'get', path: '/api/articles/:slug', auth: false, handle: (u, p) => store.article(p.slug!, u) },
    {
      method: 'put',
      path: '/api/articles/:slug',
      auth: true,
      handle: (u, p, b) => store.updateArticle(u!, p.slug!, b?.article),
    },
    {
      method: 'delete',
      path: '/api/articles/:slug',
      auth: true,
      status: 204,
      handle: (u, p) => store.deleteArticle(u!, p.slug!),
    },
    {
      method: 'post',
      path: '/api/articles/:slug/favorite',
      auth: true,
      handle: (u, p) => store.favorite(u!, p.slug!, true),
    },
    {
      method: 'delete',
      path: '/api/articles/:slug/favorite',
      auth: true,
      handle: (u, p) => store.favorite(u!, p.slug!, false),
    },
    {
      method: 'post',
      path: '/api/articles/:slug/comments',
      auth: true,
      handle: (u, p, b) => store.addComment(u!, p.slug!, b?.comment),
    },
    {
      method: 'delete',
      path: '/api/articles/:slug/comments/:id',
      auth: true,
      status: 204,
      handle: (u, p) => store.deleteComment(u!, p.slug!, Number(p.id)),
    },
  ];
}

/** Runs a handler: its status and JSON body, or the RealWorld error it threw. */
function run(route: Route, user: ConduitUser | undefined, params: Record<string, string>, body: unknown) {
  if (route.auth && user === undefined)
    return { status: 401, body: { errors: { authorization: ['required'] } } };
  try {
    const result = route.handle(user, params, body);
    return { status: route.status ?? 200, body: route.status === 204 ? undefined : result };
  } catch (error) {
    if (error instanceof ConduitError) return { status: error.status, body: error.body };
    throw error;
  }
}

function listening(server: Server): Promise<ConduitApp> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

export async function expressConduit(store: ConduitStore, audit: ConduitAuditOptions): Promise<ConduitApp> {
  const app = express();
  app.use(express.json());
  app.use(expressAudit(audit as never));
  app.use((req, _res, next) => {
    (req as unknown as { user?: ConduitUser }).user = store.authenticate(req.headers.authorization);
    next();
  });
  for (const route of routes(store)) {
    app[route.method](route.path, (req: express.Request, res: express.Response) => {
      const user = (req as express.Request & { user?: ConduitUser }).user;
      const out = run(route, user, req.params as Record<string, string>, req.body);
      if (out.body === undefined) res.status(out.status).end();
      else res.status(out.status).json(out.body);
    });
  }
  return listening(createServer(app));
}

export async function koaConduit(store: ConduitStore, audit: ConduitAuditOptions): Promise<ConduitApp> {
  const app = new Koa();
  app.use(koaAudit(audit as never));
  app.use(async (ctx, next) => {
    ctx.state.user = store.authenticate(ctx.get('authorization') || undefined);
    if (ctx.is('application/json')) {
      let text = '';
      for await (const chunk of ctx.req) text += chunk;
      (ctx.request as { body?: unknown }).body = text === '' ? undefined : JSON.parse(text);
    }
    await next();
  });
  const router = new Router();
  for (const route of routes(store)) {
    router[route.method](route.path, (ctx) => {
      const out = run(route, ctx.state.user, ctx.params, (ctx.request as { body?: unknown }).body);
      ctx.status = out.status;
      if (out.body !== undefined) ctx.body = out.body;
    });
  }
  app.use(router.routes()).use(router.allowedMethods());
  return listening(createServer(app.callback()));
}

export async function fastifyConduit(store: ConduitStore, audit: ConduitAuditOptions): Promise<ConduitApp> {
  const app = Fastify();
  await app.register(auditledge, audit as never);
  app.addHook('onRequest', async (request) => {
    (request as unknown as { user?: ConduitUser }).user = store.authenticate(request.headers.authorization);
  });
  for (const route of routes(store)) {
    app.route({
      method: route.method.toUpperCase() as 'GET',
      url: route.path,
      handler: async (request, reply) => {
        const user = (request as typeof request & { user?: ConduitUser }).user;
        const out = run(route, user, request.params as Record<string, string>, request.body);
        reply.code(out.status);
        return out.body === undefined ? reply.send() : out.body;
      },
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
