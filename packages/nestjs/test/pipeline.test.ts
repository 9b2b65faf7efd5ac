// Where the module sits in Nest's request pipeline: guards that reject (401/403), unmatched
// routes (404), pipes and exception filters answering 4xx produce no event; a handler that
// throws after a partial change records only what it logged.
import { createAuditTrail } from '@auditledge/core/testing';
import {
  type ArgumentsHost,
  BadRequestException,
  type CanActivate,
  Catch,
  Controller,
  Delete,
  type ExceptionFilter,
  ForbiddenException,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Res,
  UnauthorizedException,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { send } from '../../../test/contract/http.js';
import { AuditContext, type AuditHandle, AuditLedgeModule } from '../src/index.js';
import { platforms, type StartedNestApp, startNestApp } from './nestApp.js';

const denyAnonymous: CanActivate = {
  canActivate(context) {
    const request = context.switchToHttp().getRequest<{ user?: unknown }>();
    if (request.user === undefined) throw new UnauthorizedException();
    return true;
  },
};
const adminsOnly: CanActivate = {
  canActivate(context) {
    return context.switchToHttp().getRequest<{ user?: { role?: string } }>().user?.role === 'admin';
  },
};

class InvoiceLocked extends Error {}

/** Answers a domain error with a 409 of its own, on either platform. */
@Catch(InvoiceLocked)
class LockedFilter implements ExceptionFilter {
  catch(_error: InvoiceLocked, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<{ code?: unknown; status: (n: number) => unknown }>();
    // Fastify's reply.code(), Express's res.status().
    const reply = (
      typeof res.code === 'function' ? (res.code as (n: number) => unknown)(409) : res.status(409)
    ) as {
      send: (body: unknown) => void;
    };
    reply.send({ error: 'locked' });
  }
}

@Controller('invoices')
class InvoicesController {
  @Delete(':id') @HttpCode(204) @UseGuards(denyAnonymous) remove() {}
  @Post(':id/void') @HttpCode(204) @UseGuards(adminsOnly) void() {}
  @Post(':id/lock') @UseFilters(LockedFilter) lock() {
    throw new InvoiceLocked();
  }
  @Delete('lines/:line') @HttpCode(204) removeLine(@Param('line', ParseIntPipe) _line: number) {}
  @Post(':id/split') split(@AuditContext() audit: AuditHandle) {
    // Half done: the first invoice exists, the second cannot be made.
    audit.log({ action: 'invoice.created', resource: { type: 'invoice', id: 'inv_1a' } });
    throw new BadRequestException('cannot split further');
  }
  @Post(':id/archive') archive(
    @Res() res: { raw?: unknown; status?: unknown; code?: unknown; send: (b: unknown) => void },
  ) {
    // Answered by hand (no passthrough): the raw response's status is still the one recorded.
    const reply = (
      typeof res.code === 'function'
        ? (res.code as (n: number) => unknown)(202)
        : (res.status as (n: number) => unknown)(202)
    ) as typeof res;
    reply.send({ archived: true });
  }
  @Post(':id/forbid') forbid() {
    throw new ForbiddenException();
  }
}

describe.each(platforms)('platform-%s', (platform) => {
  const trail = createAuditTrail();
  const all = createAuditTrail();
  let app: StartedNestApp;
  let everything: StartedNestApp;
  beforeAll(async () => {
    app = await startNestApp({
      platform,
      audit: AuditLedgeModule.forRoot({ client: trail.client }),
      controllers: [InvoicesController],
    });
    // Every status audited: what still records nothing never reached the route.
    everything = await startNestApp({
      platform,
      audit: AuditLedgeModule.forRoot({ client: all.client, statuses: () => true }),
      controllers: [InvoicesController],
    });
  });
  afterEach(() => {
    trail.clear();
    all.clear();
  });
  afterAll(async () => {
    await app.close();
    await everything.close();
  });

  const recorded = async (t = trail) => {
    await new Promise((resolve) => setImmediate(resolve));
    await t.flush();
    return t.events.map((e) => [e.action, e.resource.id, e.metadata?.status]);
  };
  const admin = { 'x-user': JSON.stringify({ id: 'u_1', role: 'admin' }) };
  const member = { 'x-user': JSON.stringify({ id: 'u_2', role: 'member' }) };

  test('a guard rejecting with 401 or 403 records nothing, even with every status audited', async () => {
    for (const target of [app, everything]) {
      expect((await send(target.url, 'DELETE', '/invoices/inv_1')).status).toBe(401);
      expect((await send(target.url, 'POST', '/invoices/inv_1/void', undefined, member)).status).toBe(403);
    }
    expect(await recorded()).toEqual([]);
    expect(await recorded(all)).toEqual([]);
    // The same routes, let through, are recorded with the guard's user as the actor.
    expect((await send(app.url, 'DELETE', '/invoices/inv_1', undefined, member)).status).toBe(204);
    expect((await send(app.url, 'POST', '/invoices/inv_1/void', undefined, admin)).status).toBe(204);
    await new Promise((resolve) => setImmediate(resolve));
    await trail.flush();
    expect(trail.events.map((e) => [e.action, e.actor.id])).toEqual([
      ['invoice.deleted', 'u_2'],
      ['invoice.voided', 'u_1'],
    ]);
  });

  test('an unmatched route (404) records nothing, even with every status audited', async () => {
    expect((await send(everything.url, 'DELETE', '/nowhere/1')).status).toBe(404);
    expect(await recorded(all)).toEqual([]);
  });

  test('an exception filter or a pipe answering 4xx: not audited by default; on the right route when asked', async () => {
    expect((await send(app.url, 'POST', '/invoices/inv_1/lock')).status).toBe(409);
    expect((await send(app.url, 'DELETE', '/invoices/lines/x')).status).toBe(400);
    expect((await send(app.url, 'POST', '/invoices/inv_1/forbid')).status).toBe(403);
    expect(await recorded()).toEqual([]);
    expect((await send(everything.url, 'POST', '/invoices/inv_1/lock')).status).toBe(409);
    expect((await send(everything.url, 'DELETE', '/invoices/lines/x')).status).toBe(400);
    expect(await recorded(all)).toEqual([
      ['invoice.locked', 'inv_1', 409],
      ['line.deleted', 'x', 400],
    ]);
  });

  test('a handler that throws after a partial change: its own event is not sent, what it logged is', async () => {
    expect((await send(app.url, 'POST', '/invoices/inv_1/split')).status).toBe(400);
    expect(await recorded()).toEqual([['invoice.created', 'inv_1a', undefined]]);
  });

  test('a response answered by hand through @Res() is recorded with its status', async () => {
    expect((await send(app.url, 'POST', '/invoices/inv_1/archive')).status).toBe(202);
    expect(await recorded()).toEqual([['invoice.archived', 'inv_1', 202]]);
  });
});

test('@AuditContext() without the module: a handle that records nothing, and one warning', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  const app = await startNestApp({
    platform: 'express',
    audit: undefined,
    controllers: [InvoicesController],
  });
  try {
    expect((await send(app.url, 'POST', '/invoices/inv_1/split')).status).toBe(400);
    expect((await send(app.url, 'POST', '/invoices/inv_2/split')).status).toBe(400);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => (w as { code?: string }).code)).toEqual(['AUDITLEDGE_NO_MODULE']);
  } finally {
    process.off('warning', onWarning);
    await app.close();
  }
});
