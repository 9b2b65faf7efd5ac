// One small app per framework, audited by its adapter, for the hostile-input properties.
// Each route calls `hooks.handle(audit)` so a property can push anything through req.audit,
// and the adapter options come from `hooks` so mappers can return anything.
import type { AddressInfo } from 'node:net';
import type { AuditLedge } from '../../../packages/core/src/index.js';
import { listenNest } from '../../support/nestApp.js';

export type AdapterFramework = 'express' | 'koa' | 'fastify' | 'nestjs-express' | 'nestjs-fastify';

/** What the adapter's mappers and the route handlers do, swapped per property run. */
export interface Hooks {
  metadata(headers: Record<string, unknown>): unknown;
  actor(): unknown;
  /** Called inside every handler with the request's audit handle. */
  handle(audit: { set(o: unknown): unknown; log(e: unknown): unknown; skip(): void }): void;
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

type Factory = (
  client: AuditLedge,
  hooks: Hooks,
  onError: (err: unknown, ctx: unknown) => void,
) => Promise<RunningApp>;

const answer = { ok: true };

const express: Factory = async (client, hooks, onError) => {
  const { default: createApp } = await import('express');
  const { auditMiddleware } = await import('../../../packages/express/src/index.js');
  const app = createApp();
  app.use(
    auditMiddleware({
      // The adapter sources import @auditledge/core, which tsc resolves to dist: same class at run time.
      client: client as never,
      onError: onError as never,
      actor: () => hooks.actor() as never,
      metadata: (req) => hooks.metadata(req.headers) as never,
    }),
  );
  const handler = (req: { audit: unknown }, res: { json(b: unknown): void }) => {
    hooks.handle(req.audit as never);
    res.json(answer);
  };
  app.delete('/orgs/:orgId/invoices/:id', handler as never);
  app.post('/invoices/:id/send', handler as never);
  app.patch('/v1/api-keys/:keyId', handler as never);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const koa: Factory = async (client, hooks, onError) => {
  const { default: Koa } = await import('koa');
  const { default: Router } = await import('@koa/router');
  const { auditMiddleware } = await import('../../../packages/koa/src/index.js');
  const app = new Koa();
  const router = new Router();
  app.use(
    auditMiddleware({
      client: client as never,
      onError: onError as never,
      actor: () => hooks.actor() as never,
      metadata: (ctx) => hooks.metadata(ctx.req.headers) as never,
    }),
  );
  const handler = (ctx: { state: { audit: unknown }; body: unknown }) => {
    hooks.handle(ctx.state.audit as never);
    ctx.body = answer;
  };
  router.delete('/orgs/:orgId/invoices/:id', handler as never);
  router.post('/invoices/:id/send', handler as never);
  router.patch('/v1/api-keys/:keyId', handler as never);
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const fastify: Factory = async (client, hooks, onError) => {
  const { default: Fastify } = await import('fastify');
  const { auditledge } = await import('../../../packages/fastify/src/index.js');
  const app = Fastify();
  await app.register(auditledge, {
    client: client as never,
    onError: onError as never,
    actor: () => hooks.actor() as never,
    metadata: (request) => hooks.metadata(request.headers) as never,
  });
  const handler = async (request: { audit: unknown }) => {
    hooks.handle(request.audit as never);
    return answer;
  };
  app.delete('/orgs/:orgId/invoices/:id', handler as never);
  app.post('/invoices/:id/send', handler as never);
  app.patch('/v1/api-keys/:keyId', handler as never);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
};

/** A Nest app on either platform; decorators applied as calls (this file compiles without them). */
const nestjs =
  (platform: 'express' | 'fastify'): Factory =>
  async (client, hooks, onError) => {
    await import('reflect-metadata');
    const { Controller, Delete, HttpCode, Module, Patch, Post } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const { AuditContext, AuditLedgeModule } = await import('../../../packages/nestjs/src/index.js');
    class HostileController {
      remove(audit: unknown) {
        hooks.handle(audit as never);
        return answer;
      }
      send(audit: unknown) {
        hooks.handle(audit as never);
        return answer;
      }
      update(audit: unknown) {
        hooks.handle(audit as never);
        return answer;
      }
    }
    const proto = HostileController.prototype;
    for (const [key, verb] of [
      ['remove', Delete('orgs/:orgId/invoices/:id')],
      ['send', Post('invoices/:id/send')],
      ['update', Patch('v1/api-keys/:keyId')],
    ] as const) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
      verb(proto, key, descriptor);
      HttpCode(200)(proto, key, descriptor);
      AuditContext()(proto, key, 0);
    }
    Controller()(HostileController);
    class HostileModule {}
    Module({
      imports: [
        AuditLedgeModule.forRoot({
          client: client as never,
          onError: onError as never,
          actor: () => hooks.actor() as never,
          metadata: (req) => hooks.metadata(req.headers) as never,
        }),
      ],
      controllers: [HostileController],
    })(HostileModule);
    const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
    const app = await NestFactory.create(HostileModule, adapter, { logger: false, abortOnError: false });
    return listenNest(app);
  };

export const factories: Partial<Record<AdapterFramework, Factory>> = {
  express,
  koa,
  fastify,
  'nestjs-express': nestjs('express'),
  'nestjs-fastify': nestjs('fastify'),
};

/** Routes every app serves, with the params they take. */
export const routes = [
  { method: 'DELETE', path: (a: string, b: string) => `/orgs/${a}/invoices/${b}` },
  { method: 'POST', path: (a: string) => `/invoices/${a}/send` },
  { method: 'PATCH', path: (a: string) => `/v1/api-keys/${a}` },
] as const;
