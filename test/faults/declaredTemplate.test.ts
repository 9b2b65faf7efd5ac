// The trail reads right (issue 10): the route template, and so the action and resource type, come
// from the routes as the app declared them, never from the request's casing. Express matches
// mounts case-insensitively, and rebuilt `app.use('/invoices', router)` from the URL:
// `DELETE /InVoIcEs/inv_3` was recorded as `in_vo_ic_es.deleted`. @koa/router matches without
// regard to case by default, Fastify with `caseSensitive: false`: same requests, same events.
// NestJS the same on both platforms, the nesting made with controller paths and RouterModule.
// Real apps on loopback, a real client delivering to a scripted API.
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../support/auditHarness.js';
import { listenNest } from '../support/nestApp.js';
import { adapterFrameworks, type Framework, type RunningApp, send } from './adapters/apps.js';

let harness: AuditHarness;
let app: RunningApp | undefined;

beforeEach(async () => {
  harness = await startAuditHarness();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await harness.close();
});

/**
 * `/invoices/:id` mounted at `/invoices`, `/orgs/:orgId` + `/apiKeys` + `/:keyId` nested two
 * levels deep, and `/v1/Companies/:id` declared with capitals (kept as written).
 */
async function start(framework: Framework): Promise<RunningApp> {
  const options = { client: harness.client, onError: harness.onError };
  if (framework === 'express') {
    const { default: express } = await import('express');
    const { auditMiddleware } = await import('../../packages/express/src/index.js');
    const web = express();
    web.use(auditMiddleware(options));
    const invoices = express.Router();
    invoices.delete('/:id', (_req, res) => {
      res.status(204).end();
    });
    web.use('/invoices', invoices);
    const keys = express.Router({ mergeParams: true });
    keys.delete('/:keyId', (_req, res) => {
      res.status(204).end();
    });
    const orgs = express.Router({ mergeParams: true });
    orgs.use('/apiKeys', keys);
    web.use('/orgs/:orgId', orgs);
    const companies = express.Router();
    companies.patch('/:id', (_req, res) => {
      res.status(200).json({ ok: true });
    });
    web.use('/v1/Companies', companies);
    return listen(web.listen(0, '127.0.0.1'));
  }
  if (framework === 'koa') {
    const { default: Koa } = await import('koa');
    const { default: Router } = await import('@koa/router');
    const { auditMiddleware } = await import('../../packages/koa/src/index.js');
    const web = new Koa();
    web.use(auditMiddleware(options));
    const invoices = new Router({ prefix: '/invoices' });
    invoices.delete('/:id', (ctx) => {
      ctx.status = 204;
    });
    const keys = new Router();
    keys.delete('/:keyId', (ctx) => {
      ctx.status = 204;
    });
    const orgs = new Router({ prefix: '/orgs/:orgId' });
    orgs.use('/apiKeys', keys.routes());
    const companies = new Router({ prefix: '/v1/Companies' });
    companies.patch('/:id', (ctx) => {
      ctx.body = { ok: true };
    });
    web.use(invoices.routes()).use(orgs.routes()).use(companies.routes());
    return listen(web.listen(0, '127.0.0.1'));
  }
  if (framework === 'nestjs-express' || framework === 'nestjs-fastify') return nest(framework, options);
  const { default: Fastify } = await import('fastify');
  const { auditledge } = await import('../../packages/fastify/src/index.js');
  const web = Fastify({ routerOptions: { caseSensitive: false } });
  await web.register(auditledge, options as never);
  await web.register(
    async (scope) => {
      scope.delete('/:id', async (_request, reply) => reply.code(204).send());
    },
    { prefix: '/invoices' },
  );
  await web.register(
    async (orgs) => {
      await orgs.register(
        async (keys) => {
          keys.delete('/:keyId', async (_request, reply) => reply.code(204).send());
        },
        { prefix: '/apiKeys' },
      );
    },
    { prefix: '/orgs/:orgId' },
  );
  await web.register(
    async (scope) => {
      scope.patch('/:id', async () => ({ ok: true }));
    },
    { prefix: '/v1/Companies' },
  );
  await web.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(web.server.address() as AddressInfo).port}`,
    close: async () => {
      web.server.closeAllConnections();
      await web.close();
    },
  };
}

/** The same routes in Nest: controller paths, and `apiKeys` nested under `orgs/:orgId` by RouterModule. */
async function nest(framework: 'nestjs-express' | 'nestjs-fastify', options: object): Promise<RunningApp> {
  await import('reflect-metadata');
  const { Controller, Delete, HttpCode, Module, Patch } = await import('@nestjs/common');
  const { NestFactory, RouterModule } = await import('@nestjs/core');
  const { AuditLedgeModule } = await import('../../packages/nestjs/src/index.js');
  // Decorators applied as calls: this file compiles without them.
  const controller = (path: string, verb: typeof Delete, route: string, status: number, body?: unknown) => {
    class RouteController {
      handle() {
        return body;
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(RouteController.prototype, 'handle')!;
    verb(route)(RouteController.prototype, 'handle', descriptor);
    HttpCode(status)(RouteController.prototype, 'handle', descriptor);
    Controller(path)(RouteController);
    return RouteController;
  };
  class KeysModule {}
  Module({ controllers: [controller('', Delete, ':keyId', 204)] })(KeysModule);
  class AppModule {}
  Module({
    imports: [
      AuditLedgeModule.forRoot(options),
      KeysModule,
      RouterModule.register([{ path: 'orgs/:orgId', children: [{ path: 'apiKeys', module: KeysModule }] }]),
    ],
    controllers: [
      controller('invoices', Delete, ':id', 204),
      controller('v1/Companies', Patch, ':id', 200, { ok: true }),
    ],
  })(AppModule);
  const adapter =
    framework === 'nestjs-express'
      ? new (await import('@nestjs/platform-express')).ExpressAdapter()
      : new (await import('@nestjs/platform-fastify')).FastifyAdapter({
          routerOptions: { caseSensitive: false },
        });
  const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
  return listenNest(app);
}

async function listen(server: import('node:http').Server): Promise<RunningApp> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(adapterFrameworks)('%s: the template is the one declared', (framework) => {
  test('DELETE /InVoIcEs/inv_3 is invoice.deleted, whatever the casing of the URL', async () => {
    app = await start(framework);
    for (const path of ['/invoices/inv_1', '/InVoIcEs/inv_3', '/INVOICES/inv_4']) {
      expect((await send(app.url, 'DELETE', path)).status).toBe(204);
    }
    const events = await harness.sent();
    expect(
      events.map((e) => [e.action, e.resource.type, e.resource.id, e.metadata?.route, e.metadata?.path]),
    ).toEqual([
      ['invoice.deleted', 'invoice', 'inv_1', '/invoices/:id', '/invoices/inv_1'],
      ['invoice.deleted', 'invoice', 'inv_3', '/invoices/:id', '/InVoIcEs/inv_3'],
      ['invoice.deleted', 'invoice', 'inv_4', '/invoices/:id', '/INVOICES/inv_4'],
    ]);
    expect(harness.errors).toEqual([]);
  });

  test('nested mounts with params keep their declared names and casing', async () => {
    app = await start(framework);
    expect((await send(app.url, 'DELETE', '/ORGS/Org_7/APIKEYS/Key_1')).status).toBe(204);
    expect((await send(app.url, 'PATCH', '/V1/companies/c_1')).status).toBe(200);
    const events = await harness.sent();
    expect(events.map((e) => [e.action, e.resource, e.organization_id, e.metadata?.route])).toEqual([
      ['api_key.deleted', { type: 'api_key', id: 'Key_1' }, 'Org_7', '/orgs/:orgId/apiKeys/:keyId'],
      ['company.updated', { type: 'company', id: 'c_1' }, undefined, '/v1/Companies/:id'],
    ]);
    expect(harness.errors).toEqual([]);
  });
});
