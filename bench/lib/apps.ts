// The app under test: the same hello-world mutation route (`DELETE /invoices/:id`) in Express,
// Koa, Fastify or NestJS (on either platform, ./nestApp.ts), bare or with one of the middlewares
// a user would pick. Built in the app's
// own process (bench/lib/app.ts), never in the process that drives the load.
import { writeSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { AuditLedge, type ClientOptions, type Transport } from '@auditledge/core';
import type { Middleware as KoaMiddleware } from 'koa';

export type Framework = 'express' | 'koa' | 'fastify' | 'nestjs-express' | 'nestjs-fastify';
export const frameworks: Framework[] = ['express', 'koa', 'fastify', 'nestjs-express', 'nestjs-fastify'];

/**
 * - `bare`: the route alone.
 * - `ours`: our adapter with a client that delivers nowhere (a no-op transport): the hot-path cost.
 * - `pino-http`, `morgan`: request loggers writing to /dev/null, what users already accept.
 * - `delivery`: our adapter with a real client delivering every event to `sinkUrl`.
 * - `fetch`: a hand-written finish hook doing one `fetch` POST per request to `sinkUrl`.
 * - `interceptor` (NestJS only): a global logging interceptor, writing to /dev/null.
 * - `baseline`: `ours`, built from another checkout (`AppConfig.baseline`): before/after a change, in one run.
 */
export type Variant =
  | 'bare'
  | 'ours'
  | 'pino-http'
  | 'morgan'
  | 'delivery'
  | 'fetch'
  | 'interceptor'
  | 'baseline';

export interface AppConfig {
  framework: Framework;
  variant: Variant;
  sinkUrl?: string;
  /** Numeric client options for `delivery` (concurrency, maxQueueSize...). */
  client?: Partial<Pick<ClientOptions, 'concurrency' | 'maxQueueSize' | 'flushAt' | 'flushInterval'>>;
  /** For `ours` and `delivery`: the client keeps a spool in this directory (default fsync policy). */
  spoolDir?: string;
  /** For `baseline`: the root of another checkout of this repo, built (its packages' dist are loaded). */
  baseline?: string;
  /**
   * For `delivery`: the client's `delivery` option, where its queue, HTTP pool and retries run
   * (bench/worker.ts). Any framework. @default the client's own default
   */
  delivery?: Delivery;
}

export type Delivery = NonNullable<ClientOptions['delivery']>;

/** Thrown when an adapter package does not export its entry point yet. */
export class MissingAdapterError extends Error {}

/** What the sampler reads: the client's counters, or the fetch variant's own. */
export interface Pipeline {
  accepted: number;
  delivered: number;
  dropped: number;
  droppedByReason: Record<string, number>;
  queued: number;
  inFlight: number;
}

export interface BuiltApp {
  server: Server;
  client: AuditLedge | undefined;
  pipeline(): Pipeline;
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
type Mod = Record<string, unknown>;

const noopTransport: Transport = { request: async () => ({ status: 201, headers: {}, body: '{}' }) };
const require = createRequire(import.meta.url);
// The pino that pino-http itself loads, so its destination is the one pino-http users get.
const pino = createRequire(require.resolve('pino-http'))('pino') as {
  destination(opts: { dest: string; sync: boolean }): NodeJS.WritableStream;
};

function requestLogger(variant: 'pino-http' | 'morgan'): NodeHandler {
  if (variant === 'pino-http') {
    const pinoHttp = require('pino-http') as (opts: object, stream: NodeJS.WritableStream) => NodeHandler;
    // pino's default destination is a synchronous write to fd 1; the same to /dev/null.
    return pinoHttp({}, pino.destination({ dest: '/dev/null', sync: true }));
  }
  const morgan = require('morgan') as (format: string, opts: object) => NodeHandler;
  const fd = require('node:fs').openSync('/dev/null', 'w') as number;
  // morgan's default stream is process.stdout, which writes synchronously to files: the same here.
  return morgan('combined', { stream: { write: (line: string) => writeSync(fd, line) } });
}

async function adapter(framework: Framework, baseline: string | undefined): Promise<Mod> {
  const pkg = framework.startsWith('nestjs') ? 'nestjs' : framework;
  const mod = (await (baseline === undefined
    ? import(`@auditledge/${pkg}`)
    : import(pathToFileURL(`${baseline}/packages/${pkg}/dist/index.js`).href).catch(() => ({})))) as Mod;
  const entry =
    pkg === 'fastify'
      ? (mod.auditledge ?? mod.default)
      : pkg === 'nestjs'
        ? (mod.AuditLedgeModule as { forRoot?: unknown } | undefined)?.forRoot
        : mod.auditMiddleware;
  if (typeof entry !== 'function') {
    throw new MissingAdapterError(
      baseline === undefined
        ? `@auditledge/${pkg} does not export its adapter yet`
        : `the baseline checkout (${baseline}) has no built @auditledge/${pkg}`,
    );
  }
  return mod;
}

async function makeClient(config: AppConfig): Promise<AuditLedge> {
  const spool: ClientOptions = config.spoolDir ? { spool: { dir: config.spoolDir } } : {};
  if (config.variant === 'ours') return new AuditLedge('al_bench', { transport: noopTransport, ...spool });
  if (config.variant === 'baseline') {
    // That checkout's own client: its adapter must record through its core, not this one.
    const core = (await import(pathToFileURL(`${config.baseline}/packages/core/dist/index.js`).href)) as {
      AuditLedge: typeof AuditLedge;
    };
    return new core.AuditLedge('al_bench', { transport: noopTransport });
  }
  if (!config.sinkUrl) throw new Error('delivery needs sinkUrl');
  const options: ClientOptions = {
    baseUrl: config.sinkUrl,
    ...config.client,
    ...spool,
    ...(config.delivery ? { delivery: config.delivery } : {}),
  };
  return new AuditLedge('al_bench', options);
}

/** The naive approach: one unpooled `fetch` per audited request, fire and forget. */
function fetchPerRequest(sinkUrl: string) {
  const counters = { accepted: 0, delivered: 0, failed: 0, inFlight: 0 };
  const url = `${sinkUrl}/v1/events`;
  function send(method: string, path: string, id: string, status: number, started: number, ip?: string) {
    counters.accepted++;
    counters.inFlight++;
    const body = JSON.stringify({
      actor: { id: 'anonymous' },
      action: 'invoice.deleted',
      resource: { type: 'invoice', id },
      metadata: { ip, method, route: '/invoices/:id', path, status, duration_ms: Date.now() - started },
      timestamp: new Date().toISOString(),
    });
    fetch(url, {
      method: 'POST',
      headers: {
        authorization: 'Bearer al_bench',
        'content-type': 'application/json',
        'idempotency-key': crypto.randomUUID(),
      },
      body,
    })
      .then((res) => res.text())
      .then(
        () => counters.delivered++,
        () => counters.failed++,
      )
      .finally(() => counters.inFlight--);
  }
  const pipeline = (): Pipeline => ({
    accepted: counters.accepted,
    delivered: counters.delivered,
    dropped: counters.failed,
    droppedByReason: { failed: counters.failed },
    queued: 0,
    inFlight: counters.inFlight,
  });
  return { send, pipeline };
}

/** The `fetch` variant's finish hook on Node's own request and response (NestJS, via `app.use()`). */
function naiveHook(send: ReturnType<typeof fetchPerRequest>['send']): NodeHandler {
  return (req, res, next) => {
    const started = Date.now();
    res.once('finish', () => {
      const path = (req.url ?? '').split('?')[0]!;
      if (res.statusCode < 400)
        send(req.method ?? '', path, path.split('/').pop() ?? '', res.statusCode, started);
    });
    next();
  };
}

function clientPipeline(client: AuditLedge | undefined): () => Pipeline {
  return () => {
    if (!client) {
      return { accepted: 0, delivered: 0, dropped: 0, droppedByReason: {}, queued: 0, inFlight: 0 };
    }
    const s = client.stats();
    const { total, ...byReason } = s.dropped;
    return {
      accepted: s.accepted,
      delivered: s.delivered,
      dropped: total,
      droppedByReason: byReason,
      queued: s.queued,
      inFlight: s.inFlight,
    };
  };
}

export async function buildApp(config: AppConfig): Promise<BuiltApp> {
  const { framework, variant } = config;
  const audited = variant === 'ours' || variant === 'delivery' || variant === 'baseline';
  if (variant === 'baseline' && config.baseline === undefined) throw new Error('baseline needs a checkout');
  const mod = audited
    ? await adapter(framework, variant === 'baseline' ? config.baseline : undefined)
    : undefined;
  const client = audited ? await makeClient(config) : undefined;
  const logger = variant === 'pino-http' || variant === 'morgan' ? requestLogger(variant) : undefined;
  const naive = variant === 'fetch' ? fetchPerRequest(config.sinkUrl ?? '') : undefined;
  const pipeline = naive ? naive.pipeline : clientPipeline(client);
  const body = (id: string | undefined) => ({ id, deleted: true });

  if (framework === 'nestjs-express' || framework === 'nestjs-fastify') {
    const { buildNestApp } = await import('./nestApp.js');
    const server = await buildNestApp({
      platform: framework === 'nestjs-express' ? 'express' : 'fastify',
      ...(mod && client ? { audit: { module: mod.AuditLedgeModule as never, client } } : {}),
      ...(logger ? { logger } : {}),
      ...(naive ? { middleware: naiveHook(naive.send) } : {}),
      interceptor: variant === 'interceptor',
    });
    return { server, client, pipeline };
  }
  if (variant === 'interceptor') throw new MissingAdapterError('the interceptor variant is NestJS only');

  if (framework === 'express') {
    const express = (await import('express')).default;
    const app = express();
    if (mod) app.use((mod.auditMiddleware as (o: object) => NodeHandler)({ client }));
    if (logger) app.use(logger);
    if (naive) {
      app.use((req, res, next) => {
        const started = Date.now();
        res.once('finish', () => {
          if (res.statusCode < 400)
            naive.send(req.method, req.path, String(req.params.id ?? ''), res.statusCode, started, req.ip);
        });
        next();
      });
    }
    app.delete('/invoices/:id', (req, res) => {
      res.json(body(req.params.id));
    });
    return { server: app.listen(0, '127.0.0.1'), client, pipeline };
  }

  if (framework === 'koa') {
    const Koa = (await import('koa')).default;
    const Router = (await import('@koa/router')).default;
    const app = new Koa();
    app.silent = true; // Koa prints every EPIPE when autocannon cuts connections at the end of a round
    const router = new Router();
    if (mod) app.use((mod.auditMiddleware as (o: object) => KoaMiddleware)({ client }));
    if (logger) {
      app.use((ctx, next) => {
        logger(ctx.req, ctx.res, () => {});
        return next();
      });
    }
    if (naive) {
      app.use(async (ctx, next) => {
        const started = Date.now();
        ctx.res.once('finish', () => {
          if (ctx.status < 400)
            naive.send(ctx.method, ctx.path, String(ctx.params?.id ?? ''), ctx.status, started, ctx.ip);
        });
        await next();
      });
    }
    router.delete('/invoices/:id', (ctx) => {
      ctx.body = body(ctx.params.id);
    });
    app.use(router.routes());
    return { server: app.listen(0, '127.0.0.1'), client, pipeline };
  }

  const Fastify = (await import('fastify')).default;
  const app = Fastify();
  if (mod) await app.register((mod.auditledge ?? mod.default) as never, { client });
  if (logger) {
    app.addHook('onRequest', (req, reply, done) => {
      logger(req.raw, reply.raw, () => {});
      done();
    });
  }
  if (naive) {
    app.addHook('onResponse', (req, reply, done) => {
      if (reply.statusCode < 400) {
        const id = (req.params as { id?: string }).id ?? '';
        naive.send(req.method, req.url, id, reply.statusCode, Date.now() - reply.elapsedTime, req.ip);
      }
      done();
    });
  }
  app.delete<{ Params: { id: string } }>('/invoices/:id', async (req) => body(req.params.id));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { server: app.server, client, pipeline };
}
