// Builds real Nest apps for the tests, on either platform, from controllers declared in a
// neutral form: the contract suite's routes (test/contract) and the Nest-specific tests.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import {
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type INestApplication,
  Module,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { userFrom } from '../../../test/contract/index.js';

export type Platform = 'express' | 'fastify';
export const platforms: Platform[] = ['express', 'fastify'];

/** What an auth guard does before our interceptor: the user of an `x-user` JSON header, as Passport puts it. */
export const userFromHeader: CanActivate = {
  canActivate(context: ExecutionContext) {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown>; user?: unknown }>();
    const user = userFrom(request.headers['x-user']);
    if (user !== undefined) request.user = user;
    return true;
  },
};

export interface NestAppOptions {
  platform: Platform;
  /** AuditLedgeModule.forRoot(...) or forRootAsync(...), or none (the bare app). */
  audit: DynamicModule | undefined;
  controllers: Type[];
  providers?: Provider[];
  imports?: (DynamicModule | Type)[];
  /** Called before init: global prefix, versioning... */
  configure?: (app: INestApplication) => void;
}

export interface StartedNestApp {
  app: INestApplication;
  url: string;
  /** `app.close()`: closes the server, then runs the shutdown hooks. */
  shutdown(): Promise<void>;
  /** The same, closing open connections first. */
  close(): Promise<void>;
}

export async function startNestApp(options: NestAppOptions): Promise<StartedNestApp> {
  @Module({
    imports: [...(options.audit === undefined ? [] : [options.audit]), ...(options.imports ?? [])],
    controllers: options.controllers,
    providers: [{ provide: APP_GUARD, useValue: userFromHeader }, ...(options.providers ?? [])],
  })
  class AppModule {}
  const adapter = options.platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  // abortOnError: false, so a setup error rejects here instead of ending the process.
  const app = await NestFactory.create(AppModule, adapter, { logger: false, abortOnError: false });
  options.configure?.(app);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    await app.close();
    throw err;
  }
  const server = app.getHttpServer() as import('node:http').Server;
  let closed: Promise<void> | undefined;
  const shutdown = () => (closed ??= app.close());
  return {
    app,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    shutdown,
    close: () => {
      server.closeAllConnections();
      return shutdown();
    },
  };
}
