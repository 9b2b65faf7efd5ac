import { afterEach, describe, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import { AuditLedgeError, AuditLedgeNotFoundError } from '../src/index.js';
import { client } from './helpers.js';

let api: ScriptedApi;
afterEach(() => api?.close());

const stored = { id: 'e1', action: 'invoice.deleted' };

describe('reads', () => {
  test('query() sends a GET with auth and returns the page', async () => {
    api = await startScriptedApi(() => ({
      status: 200,
      body: { events: [stored], total: 1, limit: 5, offset: 10 },
    }));
    const audit = client(api.url);
    const result = await audit.query({
      limit: 5,
      offset: 10,
      search: 'inv oice%',
      actor_id: 'u_1',
      actor_name: 'ali',
      action: 'deleted',
      resource_type: 'invoice',
      organization_id: 'org_1',
      start_date: new Date('2026-01-01T00:00:00Z'),
      end_date: '2026-02-01',
    });
    expect(result).toEqual({ events: [stored], total: 1, limit: 5, offset: 10 });
    const [req] = api.received;
    expect(req!.method).toBe('GET');
    expect(req!.path).toBe('/v1/events');
    expect(req!.headers.authorization).toMatch(/^Bearer al_/);
  });

  test('query() params are encoded exactly', async () => {
    let query = '';
    api = await startScriptedApi(() => ({
      status: 200,
      body: { events: [], total: 0, limit: 20, offset: 0 },
    }));
    const server = api;
    const audit = client(server.url, {
      transport: {
        async request(req) {
          query = req.path;
          const res = await fetch(server.url + req.path, { headers: req.headers });
          return { status: res.status, headers: {}, body: await res.text() };
        },
      },
    });
    await audit.query({ search: 'a&b=c%', start_date: new Date('2026-01-01T00:00:00Z'), limit: 0 });
    const params = new URL(`http://x${query}`).searchParams;
    expect(params.get('search')).toBe('a&b=c%');
    expect(params.get('start_date')).toBe('2026-01-01T00:00:00.000Z');
    expect(params.get('limit')).toBe('0');
  });

  test('bad filters are validation errors naming the filter, before any request', async () => {
    api = await startScriptedApi();
    const audit = client(api.url);
    await expect(audit.query({ limit: -1 })).rejects.toMatchObject({
      code: 'AL_ERR_VALIDATION',
      field: 'limit',
    });
    await expect(audit.query({ start_date: 'soon' })).rejects.toMatchObject({ field: 'start_date' });
    await expect(audit.query({ actorId: 'x' } as never)).rejects.toMatchObject({ field: 'actorId' });
    await expect(audit.export({ format: 'xml' } as never)).rejects.toMatchObject({ field: 'format' });
    await expect(audit.get('')).rejects.toMatchObject({ field: 'id' });
    expect(api.received).toHaveLength(0);
  });

  test('get() of a missing id is a distinct not-found error with the API message', async () => {
    api = await startScriptedApi((req) =>
      req.path === '/v1/events/e1'
        ? { status: 200, body: stored }
        : { status: 404, body: { error: 'Event not found' } },
    );
    const audit = client(api.url);
    await expect(audit.get('e1')).resolves.toEqual(stored);
    const err = await audit.get('nope/../x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditLedgeNotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'AL_ERR_NOT_FOUND' });
    expect((err as Error).message).toContain('Event not found');
    expect(api.received[1]!.path).toBe('/v1/events/nope%2F..%2Fx');
  });

  test('export() returns the CSV text or the JSON array', async () => {
    const csvText = 'id,timestamp\ne1,2026-01-01T00:00:00.000Z\n';
    api = await startScriptedApi(() => ({ status: 200, rawBody: csvText }));
    const audit = client(api.url);
    await expect(audit.export({ format: 'csv', action: 'deleted' })).resolves.toBe(csvText);
    api.script(() => ({ status: 200, body: [stored] }));
    await expect(audit.export()).resolves.toEqual([stored]);
    expect(api.received[0]!.path).toBe('/v1/events/export');
  });

  test('usage() and error statuses', async () => {
    const usage = { plan: 'free', events_this_month: 3, events_limit: 10000, retention_days: 14 };
    api = await startScriptedApi(() => ({ status: 200, body: usage }));
    const audit = client(api.url);
    await expect(audit.usage()).resolves.toEqual(usage);
    api.script(() => ({ status: 401, body: { error: 'Invalid API key' } }));
    await expect(audit.usage()).rejects.toMatchObject({ status: 401, code: 'AL_ERR_UNAUTHORIZED' });
    api.script(() => ({ status: 500, rawBody: '<html>oops</html>' }));
    const err = await audit.usage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditLedgeError);
    expect(err).toMatchObject({ status: 500, code: 'AL_ERR_SERVER' });
  });

  test('transient failures of reads are retried a couple of times', async () => {
    api = await startScriptedApi((req) => (req.n <= 2 ? 'reset' : { status: 200, body: { plan: 'pro' } }));
    const audit = client(api.url);
    await expect(audit.usage()).resolves.toEqual({ plan: 'pro' });
    expect(api.received).toHaveLength(3);
  });
});
