// The hot-path app on NestJS, on platform-express or platform-fastify: the same
// `DELETE /invoices/:id` as apps.ts, bare, with @auditledge/nestjs, with a request logger mounted
// as Nest middleware, or with a logging interceptor (the shape of the one in Nest's docs).
// Decorators are applied as calls: this file runs under tsx without decorator settings.
import 'reflect-metadata';
import { openSync, writeSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AuditLedge } from '@auditledge/core';
import {
  type CallHandler,
  Controller,
  Delete,
  type ExecutionContext,
  Module,
  type NestInterceptor,
  Param,
} from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { tap } from 'rxjs';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface NestBenchOptions {
  platform: 'express' | 'fastify';
  /** `@auditledge/nestjs`, for `ours` and `delivery`. */
  audit?: { module: { forRoot(options: object): unknown }; client: AuditLedge };
  /** A request logger (pino-http, morgan), mounted with `app.use()`. */
  logger?: NodeHandler;
  /** A finish hook per request, mounted with `app.use()` (the `fetch` variant). */
  middleware?: NodeHandler;
  /** A global logging interceptor writing one line per request to /dev/null. */
  interceptor?: boolean;
}

/** Logs method, URL, status and duration once the handler's observable completes. */
class LoggingInterceptor implements NestInterceptor {
  private readonly fd = openSync('/dev/null', 'w');
  intercept(context: ExecutionContext, next: CallHandler) {
    const started = Date.now();
    const http = context.switchToHttp();
    const req = http.getRequest<{ method: string; url: string }>();
    return next.handle().pipe(
      tap(() => {
        const res = http.getResponse<{ statusCode: number }>();
        writeSync(this.fd, `${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms\n`);
      }),
    );
  }
}

export async function buildNestApp(options: NestBenchOptions): Promise<Server> {
  class InvoicesController {
    remove(id: string) {
      return { id, deleted: true };
    }
  }
  const proto = InvoicesController.prototype;
  Delete(':id')(proto, 'remove', Object.getOwnPropertyDescriptor(proto, 'remove')!);
  Param('id')(proto, 'remove', 0);
  Controller('invoices')(InvoicesController);

  class AppModule {}
  Module({
    imports: options.audit ? [options.audit.module.forRoot({ client: options.audit.client }) as never] : [],
    controllers: [InvoicesController],
    providers: options.interceptor ? [{ provide: APP_INTERCEPTOR, useClass: LoggingInterceptor }] : [],
  })(AppModule);

  const adapter = options.platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = await NestFactory.create(AppModule, adapter, { logger: false });
  if (options.logger) app.use(options.logger);
  if (options.middleware) app.use(options.middleware);
  await app.listen(0, '127.0.0.1');
  return app.getHttpServer() as Server;
}
