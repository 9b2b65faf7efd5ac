import { AuditLedge } from '@auditledge/core';
import {
  type DynamicModule,
  Global,
  Inject,
  Module,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import { AuditInterceptor } from './auditInterceptor.js';
import { NestRecorder } from './nestRecorder.js';
import { AUDITLEDGE_CLIENT, AUDITLEDGE_OPTIONS, kRecorder } from './tokens.js';
import type { AuditLedgeModuleOptions, NestRequest } from './types.js';

/** Options of `AuditLedgeModule.forRootAsync()`: the options made by a factory with injected providers. */
export interface AuditLedgeModuleAsyncOptions<Req = NestRequest> extends Pick<ModuleMetadata, 'imports'> {
  /** Makes the options; may be async. Its arguments are the providers named in `inject`. */
  // biome-ignore lint/suspicious/noExplicitAny: Nest's own FactoryProvider types injected arguments so
  useFactory: (...args: any[]) => AuditLedgeModuleOptions<Req> | Promise<AuditLedgeModuleOptions<Req>>;
  /** Providers to inject into `useFactory` (`ConfigService`, ...). @default [] */
  inject?: NonNullable<Extract<Provider, { useFactory: unknown }>['inject']>;
}

const shared: Provider[] = [
  {
    provide: kRecorder,
    // Nest's HTTP adapter is known before any route is registered: the Fastify platform can
    // then tell the recorder about every route (for creates keyed like their item routes).
    useFactory: (options: AuditLedgeModuleOptions<unknown> | undefined, host: HttpAdapterHost | null) =>
      new NestRecorder(options, host),
    inject: [AUDITLEDGE_OPTIONS, { token: HttpAdapterHost, optional: true }],
  },
  { provide: AUDITLEDGE_CLIENT, useFactory: (nest: NestRecorder) => nest.client, inject: [kRecorder] },
  { provide: AuditLedge, useExisting: AUDITLEDGE_CLIENT },
  { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
];

const exported = [AUDITLEDGE_CLIENT, AuditLedge];

/**
 * Records an audit event for every mutation of the app (POST, PUT, PATCH, DELETE answered below
 * 400), named from the route template Nest built: `DELETE /invoices/:id` becomes
 * `invoice.deleted` on `{ type: 'invoice', id }`. Global: import it once, in the root module.
 * Events are built after the response has finished and handed to the client without waiting.
 * Provides the client as `@InjectAuditLedge()` and as the `AuditLedge` class. On the app's
 * shutdown a client the module created is shut down (within `shutdownTimeout`, 10 s by default),
 * a client you passed is flushed (1 s by default), never shut down.
 *
 * @example
 * @Module({ imports: [AuditLedgeModule.forRoot({ organization: (req) => req.headers['x-tenant'] as string })] })
 * export class AppModule {}
 */
@Global()
@Module({})
export class AuditLedgeModule implements OnApplicationShutdown {
  constructor(@Inject(kRecorder) private readonly nest: NestRecorder) {}

  /**
   * The module with these options (the same names as every Auditledge adapter). Throws
   * `AL_ERR_CONFIG` when the app is created, not on a request, when there is no client, no
   * `apiKey` and no `AUDITLEDGE_API_KEY`.
   *
   * @example
   * AuditLedgeModule.forRoot({ actor: (req) => req.user, methods: ['POST', 'DELETE'] })
   */
  static forRoot<Req = NestRequest>(options?: AuditLedgeModuleOptions<Req>): DynamicModule {
    return {
      module: AuditLedgeModule,
      global: true,
      providers: [{ provide: AUDITLEDGE_OPTIONS, useValue: options }, ...shared],
      exports: exported,
    };
  }

  /**
   * The module with options made by a factory, from injected providers.
   *
   * @example
   * AuditLedgeModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ apiKey: config.get('AUDITLEDGE_API_KEY') }),
   * })
   */
  static forRootAsync<Req = NestRequest>(options: AuditLedgeModuleAsyncOptions<Req>): DynamicModule {
    return {
      module: AuditLedgeModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: AUDITLEDGE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        ...shared,
      ],
      exports: exported,
    };
  }

  /** Called by `app.close()` (and on signals with `app.enableShutdownHooks()`), after the server has closed. */
  async onApplicationShutdown(): Promise<void> {
    await this.nest.close();
  }
}
