import { afterEach, describe, expect, test } from 'vitest';
import { resolveAuditOptions } from '../../src/adapter/auditOptions.js';
import { resolveRouteSpec } from '../../src/adapter/spec.js';
import { AuditLedge, AuditLedgeError, AuditLedgeValidationError } from '../../src/index.js';

const saved = process.env.AUDITLEDGE_API_KEY;
afterEach(() => {
  if (saved === undefined) delete process.env.AUDITLEDGE_API_KEY;
  else process.env.AUDITLEDGE_API_KEY = saved;
});

describe('resolveAuditOptions', () => {
  test('with no options and no AUDITLEDGE_API_KEY it throws the core AL_ERR_CONFIG error', () => {
    delete process.env.AUDITLEDGE_API_KEY;
    expect(() => resolveAuditOptions(undefined)).toThrow(expect.objectContaining({ code: 'AL_ERR_CONFIG' }));
    // An app's own test suite hits this first once the middleware is mounted: it names the way out.
    expect(() => resolveAuditOptions(undefined)).toThrow(/AUDITLEDGE_API_KEY .*AUDITLEDGE_TEST=1/);
  });

  test('with no options it creates (and owns) a client from AUDITLEDGE_API_KEY, passing client options through', async () => {
    process.env.AUDITLEDGE_API_KEY = 'al_from_env';
    const options = resolveAuditOptions({ baseUrl: 'http://127.0.0.1:9', flushAt: 3 });
    expect(options.client).toBeInstanceOf(AuditLedge);
    expect(options.client.baseUrl).toBe('http://127.0.0.1:9');
    expect(options.ownsClient).toBe(true);
    expect(options.methods).toEqual(new Set(['POST', 'PUT', 'PATCH', 'DELETE']));
    expect(options.isAuditedStatus(399)).toBe(true);
    expect(options.isAuditedStatus(400)).toBe(false);
    await options.client.shutdown({ timeout: 10 });
  });

  test('a given client is used as is and not owned', async () => {
    const client = new AuditLedge('al_x', { baseUrl: 'http://127.0.0.1:9' });
    const options = resolveAuditOptions({ client });
    expect(options.client).toBe(client);
    expect(options.ownsClient).toBe(false);
    expect(() => resolveAuditOptions({ client, apiKey: 'al_y' })).toThrow(AuditLedgeError);
    // A client option next to `client` would be silently ignored: refused, named.
    expect(() => resolveAuditOptions({ client, logger: console } as never)).toThrow(
      /`logger` is a client option, ignored next to `client`/,
    );
    expect(() => resolveAuditOptions({ client, flushInterval: 5, maxRetries: 2 } as never)).toThrow(
      /`flushInterval`, `maxRetries` are client options/,
    );
    // Adapter options and an explicit undefined are fine.
    expect(
      resolveAuditOptions({ client, onError: () => {}, mapperTimeout: 10, logger: undefined } as never)
        .client,
    ).toBe(client);
    await client.shutdown({ timeout: 10 });
  });

  test('statuses take numbers and/or predicates; methods are case-insensitive', async () => {
    const client = new AuditLedge('al_x', { baseUrl: 'http://127.0.0.1:9' });
    const options = resolveAuditOptions({
      client,
      statuses: [201, (s) => s >= 500],
      methods: ['delete', 'get'],
    });
    expect([200, 201, 409, 500].map(options.isAuditedStatus)).toEqual([false, true, false, true]);
    expect(options.methods).toEqual(new Set(['DELETE', 'GET']));
    expect(resolveAuditOptions({ client, methods: ['*'] }).methods).toBeUndefined();
    expect(resolveAuditOptions({ client, statuses: (s) => s === 409 }).isAuditedStatus(409)).toBe(true);
    await client.shutdown({ timeout: 10 });
  });

  test.each([
    [{ methods: 'POST' }, 'options.methods'],
    [{ statuses: 200 }, 'options.statuses'],
    [{ redact: 'password' }, 'options.redact'],
    [{ onError: 'log' }, 'options.onError'],
    [{ action: 42 }, 'options.action'],
    [{ resource: 42 }, 'options.resource'],
    [{ metadata: 'x' }, 'options.metadata'],
    [{ skip: 'yes' }, 'options.skip'],
    [{ client: {} }, 'options.client'],
  ])('%o is refused, naming %s', (bad, field) => {
    const error = (() => {
      try {
        resolveAuditOptions({ apiKey: 'al_x', baseUrl: 'http://127.0.0.1:9', ...(bad as object) });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AuditLedgeValidationError);
    expect((error as AuditLedgeValidationError).field).toBe(field);
  });
});

describe('resolveRouteSpec (the arguments of audit())', () => {
  test('takes an action, an action and a spec, a spec, or false', () => {
    const resource = () => ({ id: '1' });
    expect(resolveRouteSpec('invoice.deleted')).toMatchObject({ action: 'invoice.deleted' });
    expect(resolveRouteSpec('invoice.deleted', { resource })).toMatchObject({
      action: 'invoice.deleted',
      resource,
    });
    expect(resolveRouteSpec({ action: 'invoice.sent', skip: false })).toMatchObject({
      action: 'invoice.sent',
      skip: false,
    });
    expect(resolveRouteSpec(false)).toBe(false);
    expect(resolveRouteSpec(undefined)).toMatchObject({ action: undefined });
  });

  test('refuses anything else at setup time', () => {
    expect(() => resolveRouteSpec(42 as never)).toThrow(AuditLedgeValidationError);
    expect(() => resolveRouteSpec('x', 'y' as never)).toThrow(AuditLedgeValidationError);
    expect(() => resolveRouteSpec({ resource: 3 as never })).toThrow(/audit\(\) spec\.resource/);
    expect(() => resolveRouteSpec('')).toThrow(/audit\(\) spec\.action/);
  });
});

describe('per-route specs', () => {
  test('a misspelt key is refused, naming it and the key it resembles', () => {
    expect(() => resolveRouteSpec('invoice.sent', { resoure: { type: 'invoice' } } as never)).toThrow(
      expect.objectContaining({
        field: 'audit() spec.resoure',
        message: expect.stringContaining('did you mean resource?'),
      }),
    );
    expect(() => resolveRouteSpec({ acton: 'x.y' } as never)).toThrow(
      expect.objectContaining({ field: 'audit() spec.acton' }),
    );
    expect(resolveRouteSpec({ action: 'x.y', skip: false })).toMatchObject({ action: 'x.y', skip: false });
  });
});
