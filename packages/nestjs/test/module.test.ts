// The module around the app: the client injected into services (both tokens), forRootAsync,
// and what the app's shutdown does to the client (delivered over real HTTP to a scripted API).
import { AuditLedge } from '@auditledge/core';
import { createAuditTrail } from '@auditledge/core/testing';
import { Controller, Delete, HttpCode, Inject, Injectable, Module, Param, Post } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { send } from '../../../test/contract/http.js';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import { AUDITLEDGE_CLIENT, AuditLedgeModule, InjectAuditLedge } from '../src/index.js';
import { platforms, startNestApp } from './nestApp.js';

@Injectable()
class InvoiceService {
  constructor(
    @InjectAuditLedge() readonly byToken: AuditLedge,
    @Inject(AuditLedge) readonly byClass: AuditLedge,
  ) {}

  /** A domain event no request maps to: a service logs it itself. */
  markOverdue(id: string) {
    return this.byToken.log({
      actor: { id: 'scheduler' },
      action: 'invoice.overdue',
      resource: { type: 'invoice', id },
    });
  }
}

@Controller('invoices')
class InvoicesController {
  constructor(@Inject(InvoiceService) private readonly invoices: InvoiceService) {}
  @Post(':id/remind') @HttpCode(204) async remind(@Param('id') id: string) {
    await this.invoices.markOverdue(id);
  }
  @Delete(':id') @HttpCode(204) remove() {}
}

/** Where forRootAsync's factory takes its options from, as a ConfigModule would give them. */
const SETTINGS = Symbol('settings');
@Module({ providers: [{ provide: SETTINGS, useValue: { tenantHeader: 'x-tenant' } }], exports: [SETTINGS] })
class SettingsModule {}

describe.each(platforms)('platform-%s', (platform) => {
  test('services get the module client through @InjectAuditLedge() and the AuditLedge class', async () => {
    const trail = createAuditTrail();
    const app = await startNestApp({
      platform,
      audit: AuditLedgeModule.forRoot({ client: trail.client }),
      controllers: [InvoicesController],
      providers: [InvoiceService],
    });
    try {
      const service = app.app.get(InvoiceService);
      expect(service.byToken).toBe(trail.client);
      expect(service.byClass).toBe(trail.client);
      expect(app.app.get(AUDITLEDGE_CLIENT)).toBe(trail.client);
      expect((await send(app.url, 'POST', '/invoices/inv_1/remind')).status).toBe(204);
      await new Promise((resolve) => setImmediate(resolve));
      await trail.flush();
      expect(trail.events.map((e) => [e.action, e.actor.id, e.resource.id])).toEqual([
        ['invoice.overdue', 'scheduler', 'inv_1'],
        ['invoice.reminded', 'anonymous', 'inv_1'],
      ]);
    } finally {
      await app.close();
    }
  });

  test('forRootAsync: options from a factory with injected providers from imported modules', async () => {
    const trail = createAuditTrail();
    const app = await startNestApp({
      platform,
      audit: AuditLedgeModule.forRootAsync({
        imports: [SettingsModule],
        inject: [SETTINGS],
        useFactory: async (settings: { tenantHeader: string }) => ({
          client: trail.client,
          organization: (req) => req.headers[settings.tenantHeader] as string,
        }),
      }),
      controllers: [InvoicesController],
      providers: [InvoiceService],
    });
    try {
      expect(app.app.get(InvoiceService).byToken).toBe(trail.client);
      expect(
        (await send(app.url, 'DELETE', '/invoices/inv_2', undefined, { 'x-tenant': 'org_9' })).status,
      ).toBe(204);
      await new Promise((resolve) => setImmediate(resolve));
      await trail.flush();
      expect(trail.events.map((e) => [e.action, e.organization_id])).toEqual([['invoice.deleted', 'org_9']]);
    } finally {
      await app.close();
    }
  });

  test('bad options fail the app at creation, naming the option', async () => {
    await expect(
      startNestApp({
        platform,
        audit: AuditLedgeModule.forRoot({ apiKey: 'al_x', shutdownTimeout: -1 }),
        controllers: [],
      }),
    ).rejects.toMatchObject({
      code: 'AL_ERR_VALIDATION',
      message: expect.stringContaining('shutdownTimeout'),
    });
  });
});

describe('shutdown', () => {
  let api: ScriptedApi;
  beforeAll(async () => {
    api = await startScriptedApi();
  });
  afterEach(() => {
    api.stored.length = 0;
    api.script(() => undefined);
  });
  afterAll(() => api.close());

  test.each(platforms)(
    'platform-%s: app.close() delivers what the module client still queued, then shuts it down',
    async (platform) => {
      // A long flush interval: only the shutdown can deliver these events.
      const app = await startNestApp({
        platform,
        audit: AuditLedgeModule.forRoot({
          apiKey: 'al_own',
          baseUrl: api.url,
          flushInterval: 60_000,
          flushAt: 1000,
        }),
        controllers: [InvoicesController],
        providers: [InvoiceService],
      });
      const client = app.app.get(AuditLedge);
      expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
      void client.log({
        actor: { id: 'job' },
        action: 'invoice.reminded',
        resource: { type: 'invoice', id: '1' },
      });
      expect(api.stored).toEqual([]);
      await app.shutdown();
      expect(api.stored.map((e) => e.action).sort()).toEqual(['invoice.deleted', 'invoice.reminded']);
      expect(client.stats().state).not.toBe('running');
    },
  );

  test('a client the app passed in is flushed, never shut down', async () => {
    const client = new AuditLedge('al_shared', { baseUrl: api.url, flushInterval: 60_000, flushAt: 1000 });
    const app = await startNestApp({
      platform: 'express',
      audit: AuditLedgeModule.forRoot({ client }),
      controllers: [InvoicesController],
      providers: [InvoiceService],
    });
    expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
    await app.shutdown();
    expect(api.stored).toHaveLength(1);
    expect(client.stats().state).toBe('running');
    await client.shutdown({ timeout: 2000 });
  });

  test('the shutdown does not hang on an API that never answers: it is bounded by shutdownTimeout', async () => {
    api.script(() => 'stall');
    const app = await startNestApp({
      platform: 'fastify',
      audit: AuditLedgeModule.forRoot({
        apiKey: 'al_own',
        baseUrl: api.url,
        flushInterval: 5,
        timeout: 60_000,
        shutdownTimeout: 50,
        onDrop: () => {},
      }),
      controllers: [InvoicesController],
      providers: [InvoiceService],
    });
    const client = app.app.get(AuditLedge);
    const before = api.received.length;
    expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
    await api.waitFor((a) => a.received.length > before);
    // Unbounded, the shutdown would wait for the 60 s request timeout, past this test's own.
    await app.shutdown();
    expect(client.stats()).toMatchObject({ delivered: 0 });
    expect(client.stats().dropped.shutdown).toBe(1);
  });
});
