// @Audit() and @SkipAudit() on controller classes and methods, on both platforms.
import { createAuditTrail } from '@auditledge/core/testing';
import { Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { send } from '../../../test/contract/http.js';
import { Audit, AuditLedgeModule, SkipAudit } from '../src/index.js';
import { platforms, type StartedNestApp, startNestApp } from './nestApp.js';

@Audit({ resource: 'ledger' })
@Controller('ledgers')
class LedgersController {
  @Delete(':id') @HttpCode(204) remove() {}
  // The method's declaration replaces the class's: its own type, not 'ledger'.
  @Post(':id/close') @HttpCode(204) @Audit('ledger.closed', { resource: { type: 'book' } }) close() {}
  @Get(':id') read() {
    return {};
  }
}

@SkipAudit()
@Controller('internal')
class InternalController {
  @Post('sync') @HttpCode(204) sync() {}
  @Put('flags/:id') @HttpCode(204) @Audit('flag.changed') flag() {}
}

@Controller('invoices')
class InvoicesController {
  @Delete(':id') @HttpCode(204) remove(@Param('id') _id: string) {}
  @Post(':id/send') @HttpCode(204) @Audit('invoice.mailed') send() {}
  @Put(':id')
  @Audit({ resource: (req) => ({ type: 'invoice', id: req.params.id, name: `#${req.params.id}` }) })
  update() {
    return { ok: true };
  }
  @Get('health') @SkipAudit() health() {
    return 'ok';
  }
  @Post('health') @HttpCode(204) @SkipAudit() ping() {}
}

// A subclass inherits its parent's handlers and, as with @UseGuards(), its class decorators
// (class metadata is read through the prototype chain).
@Controller('sub-ledgers')
class SubLedgersController extends LedgersController {}

describe.each(platforms)('platform-%s', (platform) => {
  const trail = createAuditTrail();
  let app: StartedNestApp;
  beforeAll(async () => {
    app = await startNestApp({
      platform,
      audit: AuditLedgeModule.forRoot({ client: trail.client }),
      controllers: [LedgersController, InternalController, InvoicesController, SubLedgersController],
    });
  });
  afterEach(() => trail.clear());
  afterAll(() => app.close());

  const recorded = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await trail.flush();
    return trail.events.map((e) => [e.action, e.resource]);
  };

  test('@Audit() on a class applies to all its routes, GETs included', async () => {
    expect((await send(app.url, 'DELETE', '/ledgers/l_1')).status).toBe(204);
    expect((await send(app.url, 'GET', '/ledgers/l_2')).status).toBe(200);
    expect(await recorded()).toEqual([
      ['ledger.deleted', { type: 'ledger', id: 'l_1' }],
      ['ledger.viewed', { type: 'ledger', id: 'l_2' }],
    ]);
  });

  test("a method's @Audit() replaces its class's", async () => {
    expect((await send(app.url, 'POST', '/ledgers/l_1/close')).status).toBe(204);
    expect(await recorded()).toEqual([['ledger.closed', { type: 'book', id: 'l_1' }]]);
  });

  test("@SkipAudit() on a class opts all its routes out, but a method's @Audit() wins", async () => {
    expect((await send(app.url, 'POST', '/internal/sync')).status).toBe(204);
    expect((await send(app.url, 'PUT', '/internal/flags/f_1')).status).toBe(204);
    expect(await recorded()).toEqual([['flag.changed', { type: 'flag', id: 'f_1' }]]);
  });

  test('@Audit(action), @Audit(spec) with a mapper reading the platform request, @SkipAudit() on methods', async () => {
    expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
    expect((await send(app.url, 'POST', '/invoices/inv_2/send')).status).toBe(204);
    expect((await send(app.url, 'PUT', '/invoices/inv_3')).status).toBe(200);
    expect((await send(app.url, 'GET', '/invoices/health')).status).toBe(200);
    expect((await send(app.url, 'POST', '/invoices/health')).status).toBe(204);
    expect(await recorded()).toEqual([
      ['invoice.deleted', { type: 'invoice', id: 'inv_1' }],
      ['invoice.mailed', { type: 'invoice', id: 'inv_2' }],
      ['invoice.updated', { type: 'invoice', id: 'inv_3', name: '#inv_3' }],
    ]);
  });

  test("a subclass controller inherits its parent's declarations, on its own path", async () => {
    expect((await send(app.url, 'DELETE', '/sub-ledgers/s_1')).status).toBe(204);
    expect((await send(app.url, 'GET', '/sub-ledgers/s_2')).status).toBe(200);
    expect((await send(app.url, 'POST', '/sub-ledgers/s_3/close')).status).toBe(204);
    expect(await recorded()).toEqual([
      ['sub_ledger.deleted', { type: 'ledger', id: 's_1' }],
      ['sub_ledger.viewed', { type: 'ledger', id: 's_2' }],
      ['ledger.closed', { type: 'book', id: 's_3' }],
    ]);
  });
});

test('a spec is validated once, when the decorator is applied: a misspelt key names itself', () => {
  expect(() => Audit({ acton: 'invoice.sent' } as never)).toThrow(
    /@Audit\(\)\.acton: is not a spec key \(did you mean action\?\)/,
  );
  expect(() => Audit('invoice.sent', { resource: 42 } as never)).toThrow(/@Audit\(\)\.resource/);
  expect(() => Audit('')).toThrow(/action/);
});
