import type { AuditLedge } from '@auditledge/core';
import { Controller, Delete, Get, Inject, Injectable, Module, Param, Patch, Post } from '@nestjs/common';
import type { Request } from 'express';
import type { FastifyRequest } from 'fastify';
import { expectTypeOf, test } from 'vitest';
import {
  Audit,
  AuditContext,
  type AuditHandle,
  type AuditInfo,
  AuditLedgeModule,
  type AuditLedgeModuleOptions,
  InjectAuditLedge,
  type NestRequest,
  type RouteAuditSpec,
  SkipAudit,
} from '../src/index.js';

// These assertions are checked by `tsc` (pnpm --filter @auditledge/nestjs typecheck); at run time
// the test only proves the file loads. Nothing here is called.
test('the module options, decorators and handle are typed without casts', () => {
  expectTypeOf<AuditLedgeModuleOptions['actor']>().not.toBeAny();
  expectTypeOf<
    Parameters<Extract<AuditLedgeModuleOptions['skip'], (...a: never[]) => unknown>>[0]
  >().toEqualTypeOf<NestRequest>();
  expectTypeOf(Audit('invoice.sent')).toMatchTypeOf<ClassDecorator & MethodDecorator>();
  expectTypeOf(usage).toBeFunction();
});

function usage() {
  AuditLedgeModule.forRoot({
    actor: (req) => {
      expectTypeOf(req).toEqualTypeOf<NestRequest>();
      return req.user;
    },
    resource: (_req, info) => {
      expectTypeOf(info).toEqualTypeOf<AuditInfo>();
      return { id: info.params.id };
    },
    flushAt: 10,
    redact: ['ssn'],
    shutdownTimeout: 2000,
  });
  // The platform's own request type, named once.
  AuditLedgeModule.forRoot<Request>({ organization: (req) => req.get('x-tenant') ?? null });
  AuditLedgeModule.forRoot<FastifyRequest>({ metadata: (request) => ({ host: request.hostname }) });
  AuditLedgeModule.forRootAsync({
    inject: ['CONFIG'],
    useFactory: (config: { key: string }) => ({ apiKey: config.key }),
  });
  // @ts-expect-error an action must be a string or a mapper
  AuditLedgeModule.forRoot({ action: 42 });
  // @ts-expect-error shutdownTimeout is a number of ms
  AuditLedgeModule.forRoot({ shutdownTimeout: '1s' });
  // @ts-expect-error a misspelt key, caught where the spec is written with satisfies
  const typo = { acton: 'x.y' } satisfies RouteAuditSpec;
  expectTypeOf(typo).not.toBeAny();

  @Injectable()
  class Service {
    constructor(@InjectAuditLedge() readonly audit: AuditLedge) {}
  }

  @Audit({ resource: 'invoice' })
  @Controller('invoices')
  class InvoicesController {
    constructor(@Inject(Service) readonly service: Service) {}
    @Delete(':id') @Audit('invoice.voided', { metadata: (req) => ({ id: req.params.id }) }) remove() {}
    @Patch(':id') rename(@Param('id') id: string, @AuditContext() audit: AuditHandle) {
      audit.set({
        resource: { id, name: 'INV-1' },
        metadata: { field: 'name', old_value: 'a', new_value: 'b' },
      });
      audit.log({ action: 'invoice.renamed', resource: { type: 'invoice', id } });
      audit.skip();
    }
    @Post(':id/send') @Audit<Request>({ action: (req) => `invoice.${req.get('x-channel')}` }) send() {}
    @Get('health') @SkipAudit() health() {}
    // @ts-expect-error @Audit() takes an action, a spec, or both
    @Post('bad') @Audit(42) bad() {}
  }
  @Module({ imports: [AuditLedgeModule.forRoot()], controllers: [InvoicesController], providers: [Service] })
  class AppModule {}
  return AppModule;
}
