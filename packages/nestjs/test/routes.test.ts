// Route templates as Nest composes them (global prefix and its exclude, URI and header
// versioning, RouterModule paths, several paths per route), on both platforms, including on
// error paths.
import { createAuditTrail } from '@auditledge/core/testing';
import {
  Controller,
  Delete,
  HttpCode,
  HttpException,
  Module,
  Patch,
  Post,
  Put,
  RequestMethod,
  VERSION_NEUTRAL,
  Version,
  VersioningType,
} from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { send } from '../../../test/contract/http.js';
import { AuditLedgeModule } from '../src/index.js';
import { platforms, type StartedNestApp, startNestApp } from './nestApp.js';

@Controller({ path: 'companies', version: '1' })
class CompaniesV1Controller {
  @Patch(':id') @HttpCode(204) update() {}
  @Put(':id') @Version('2') @HttpCode(204) replace() {}
  @Delete(':id') @HttpCode(409) remove() {
    throw new HttpException('has invoices', 409);
  }
}

@Controller({ path: 'health', version: VERSION_NEUTRAL })
class HealthController {
  @Post('pings') @HttpCode(201) ping() {
    return { id: 'p_1' };
  }
}

@Controller('webhooks')
class WebhooksController {
  @Delete('subscriptions/:id') @HttpCode(204) cancel() {}
}

@Controller(['members', 'users'])
class MembersController {
  @Delete([':id', ':id/membership']) @HttpCode(204) remove() {}
}

@Controller('api-keys')
class ApiKeysController {
  @Delete(':keyId') @HttpCode(204) remove() {}
}

@Module({ controllers: [ApiKeysController] })
class ApiKeysModule {}

describe.each(platforms)('platform-%s', (platform) => {
  const trail = createAuditTrail();
  let app: StartedNestApp;
  beforeAll(async () => {
    app = await startNestApp({
      platform,
      audit: AuditLedgeModule.forRoot({ client: trail.client, statuses: (status) => status !== 404 }),
      controllers: [CompaniesV1Controller, HealthController, WebhooksController, MembersController],
      imports: [ApiKeysModule, RouterModule.register([{ path: 'orgs/:orgId', module: ApiKeysModule }])],
      configure(nest) {
        nest.setGlobalPrefix('api', {
          exclude: [{ path: 'webhooks/subscriptions/:id', method: RequestMethod.DELETE }],
        });
        nest.enableVersioning({ type: VersioningType.URI });
      },
    });
  });
  afterEach(() => trail.clear());
  afterAll(() => app.close());

  const recorded = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await trail.flush();
    return trail.events.map((e) => [e.action, e.resource, e.metadata?.route, e.organization_id]);
  };

  test('the global prefix and the URI version are in the route; the action ignores both', async () => {
    expect((await send(app.url, 'PATCH', '/api/v1/companies/c_1')).status).toBe(204);
    expect((await send(app.url, 'PUT', '/api/v2/companies/c_2')).status).toBe(204);
    expect(await recorded()).toEqual([
      ['company.updated', { type: 'company', id: 'c_1' }, '/api/v1/companies/:id', undefined],
      ['company.updated', { type: 'company', id: 'c_2' }, '/api/v2/companies/:id', undefined],
    ]);
  });

  test('a version-neutral controller; a create keyed by the id the handler returned', async () => {
    expect((await send(app.url, 'POST', '/api/health/pings')).status).toBe(201);
    expect(await recorded()).toEqual([
      ['ping.created', { type: 'ping', id: 'p_1' }, '/api/health/pings', undefined],
    ]);
  });

  test('a route excluded from the global prefix has the prefix nowhere', async () => {
    expect((await send(app.url, 'DELETE', '/webhooks/subscriptions/s_1')).status).toBe(204);
    expect((await send(app.url, 'DELETE', '/api/webhooks/subscriptions/s_1')).status).toBe(404);
    expect(await recorded()).toEqual([
      ['subscription.deleted', { type: 'subscription', id: 's_1' }, '/webhooks/subscriptions/:id', undefined],
    ]);
  });

  test('several controller and method paths: the one that matched', async () => {
    expect((await send(app.url, 'DELETE', '/api/users/u_1')).status).toBe(204);
    expect((await send(app.url, 'DELETE', '/api/members/m_1/membership')).status).toBe(204);
    expect(await recorded()).toEqual([
      ['user.deleted', { type: 'user', id: 'u_1' }, '/api/users/:id', undefined],
      ['member.membership_deleted', { type: 'member', id: 'm_1' }, '/api/members/:id/membership', undefined],
    ]);
  });

  test("a RouterModule path (with a param) prefixes its module's controllers", async () => {
    expect((await send(app.url, 'DELETE', '/api/orgs/42/api-keys/key_7')).status).toBe(204);
    expect(await recorded()).toEqual([
      ['api_key.deleted', { type: 'api_key', id: 'key_7' }, '/api/orgs/:orgId/api-keys/:keyId', '42'],
    ]);
  });

  test('the route is kept on an error path (a handler throwing an HttpException)', async () => {
    expect((await send(app.url, 'DELETE', '/api/v1/companies/c_3')).status).toBe(409);
    expect(await recorded()).toEqual([
      ['company.deleted', { type: 'company', id: 'c_3' }, '/api/v1/companies/:id', undefined],
    ]);
  });
});

describe.each(platforms)('platform-%s, header versioning', (platform) => {
  const trail = createAuditTrail();
  let app: StartedNestApp;
  beforeAll(async () => {
    app = await startNestApp({
      platform,
      audit: AuditLedgeModule.forRoot({ client: trail.client }),
      controllers: [CompaniesV1Controller],
      configure(nest) {
        nest.enableVersioning({ type: VersioningType.HEADER, header: 'x-api-version' });
      },
    });
  });
  afterAll(() => app.close());

  test('the version is in a header, not in the route', async () => {
    expect((await send(app.url, 'PATCH', '/companies/c_1', undefined, { 'x-api-version': '1' })).status).toBe(
      204,
    );
    expect((await send(app.url, 'PUT', '/companies/c_2', undefined, { 'x-api-version': '2' })).status).toBe(
      204,
    );
    await new Promise((resolve) => setImmediate(resolve));
    await trail.flush();
    expect(trail.events.map((e) => [e.action, e.resource.id, e.metadata?.route])).toEqual([
      ['company.updated', 'c_1', '/companies/:id'],
      ['company.updated', 'c_2', '/companies/:id'],
    ]);
  });
});
