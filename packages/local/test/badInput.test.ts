import { describe, expect, test } from 'vitest';
import type { LocalServer } from '../src/index.js';
import { type CallOptions, call, eventBody, logEvent, snapshot, start } from './helpers.js';

async function seeded(): Promise<{ server: LocalServer; before: unknown }> {
  const server = await start();
  await logEvent(server, { metadata: { a: 1 } });
  await logEvent(server, { action: 'user.login', organization_id: 'org_z' });
  return { server, before: await snapshot(server) };
}

const post = (body: unknown): [string, CallOptions] => ['/v1/events', { method: 'POST', body }];
const field = (name: string, expected: string) => `Invalid field: ${name} must be ${expected}`;

describe('bad input gets a clear 4xx and changes nothing', () => {
  test.each<[string, [string, CallOptions], number, string]>([
    ['malformed JSON', post('{"actor": {"id": "u1"'), 400, 'Malformed JSON body'],
    ['a JSON array', post('[]'), 400, 'Request body must be a JSON object'],
    ['a JSON string', post('"event"'), 400, 'Request body must be a JSON object'],
    ['a JSON number', post('42'), 400, 'Request body must be a JSON object'],
    ['JSON null', post('null'), 400, 'Request body must be a JSON object'],
    ['an empty body', post(''), 400, 'Missing required fields'],
    ['actor as a string', post(eventBody({ actor: 'alice' })), 400, field('actor', 'an object')],
    ['actor as an array', post(eventBody({ actor: ['alice'] })), 400, field('actor', 'an object')],
    ['resource as a number', post(eventBody({ resource: 5 })), 400, field('resource', 'an object')],
    ['actor.id as a number', post(eventBody({ actor: { id: 42 } })), 400, field('actor.id', 'a string')],
    ['action as an object', post(eventBody({ action: { verb: 'x' } })), 400, field('action', 'a string')],
    [
      'resource.type as a boolean',
      post(eventBody({ resource: { type: true, id: 'x' } })),
      400,
      field('resource.type', 'a string'),
    ],
    [
      'resource.id as a number',
      post(eventBody({ resource: { type: 't', id: 7 } })),
      400,
      field('resource.id', 'a string'),
    ],
    [
      'actor.name as a number',
      post(eventBody({ actor: { id: 'u', name: 5 } })),
      400,
      field('actor.name', 'a string'),
    ],
    [
      'actor.email as an array',
      post(eventBody({ actor: { id: 'u', email: [] } })),
      400,
      field('actor.email', 'a string'),
    ],
    [
      'resource.name as an object',
      post(eventBody({ resource: { type: 't', id: 'i', name: {} } })),
      400,
      field('resource.name', 'a string'),
    ],
    [
      'organization_id as a number',
      post(eventBody({ organization_id: 7 })),
      400,
      field('organization_id', 'a string'),
    ],
    ['metadata as a string', post(eventBody({ metadata: 'x' })), 400, field('metadata', 'an object')],
    ['metadata as an array', post(eventBody({ metadata: [1] })), 400, field('metadata', 'an object')],
    [
      'timestamp in words',
      post(eventBody({ timestamp: 'yesterday' })),
      400,
      field('timestamp', 'an ISO 8601 date-time string'),
    ],
    [
      'timestamp as epoch ms',
      post(eventBody({ timestamp: 1709805600000 })),
      400,
      field('timestamp', 'an ISO 8601 date-time string'),
    ],
    [
      'timestamp on a day that does not exist',
      post(eventBody({ timestamp: '2024-02-30T00:00:00Z' })),
      400,
      field('timestamp', 'an ISO 8601 date-time string'),
    ],
    [
      'a body over 1 MiB',
      post(eventBody({ metadata: { blob: 'x'.repeat(1024 * 1024) } })),
      413,
      'Request body too large (limit 1 MiB)',
    ],
    ['an unknown route', ['/v1/nope', {}], 404, 'Not found'],
    ['a page beside the viewer', ['/index.html', {}], 404, 'Not found'],
    ['an unknown viewer file', ['/viewer/nope.js', {}], 404, 'Not found'],
    ['a path below an event', ['/v1/events/abc/def', {}], 404, 'Not found'],
    ['a trailing slash', ['/v1/events/', {}], 404, 'Not found'],
    ['another API version', ['/v2/events', { method: 'POST', body: eventBody() }], 404, 'Not found'],
    ['DELETE on an event', ['/v1/events/abc', { method: 'DELETE' }], 405, 'Method not allowed'],
    ['PATCH on an event', ['/v1/events/abc', { method: 'PATCH', body: {} }], 405, 'Method not allowed'],
    [
      'PUT on the collection',
      ['/v1/events', { method: 'PUT', body: eventBody() }],
      405,
      'Method not allowed',
    ],
    ['DELETE on the collection', ['/v1/events', { method: 'DELETE' }], 405, 'Method not allowed'],
    ['POST on usage', ['/v1/usage', { method: 'POST', body: {} }], 405, 'Method not allowed'],
    ['POST on export', ['/v1/events/export', { method: 'POST', body: {} }], 405, 'Method not allowed'],
    [
      'a start_date in words',
      ['/v1/events?start_date=yesterday', {}],
      400,
      'Invalid start_date: expected an ISO 8601 date or date-time',
    ],
    [
      'an end_date that does not exist',
      ['/v1/events?end_date=2024-02-30', {}],
      400,
      'Invalid end_date: expected an ISO 8601 date or date-time',
    ],
    [
      'an invalid date on export',
      ['/v1/events/export?format=csv&start_date=2024-13-01', {}],
      400,
      'Invalid start_date: expected an ISO 8601 date or date-time',
    ],
    ['a negative limit', ['/v1/events?limit=-1', {}], 400, 'Invalid limit: expected a non-negative integer'],
    [
      'a non-numeric limit',
      ['/v1/events?limit=ten', {}],
      400,
      'Invalid limit: expected a non-negative integer',
    ],
    [
      'a fractional limit',
      ['/v1/events?limit=1.5', {}],
      400,
      'Invalid limit: expected a non-negative integer',
    ],
    [
      'a negative offset',
      ['/v1/events?offset=-5', {}],
      400,
      'Invalid offset: expected a non-negative integer',
    ],
    [
      'a non-numeric offset',
      ['/v1/events?offset=1e3', {}],
      400,
      'Invalid offset: expected a non-negative integer',
    ],
    [
      'an offset beyond safe integers',
      ['/v1/events?offset=99999999999999999999', {}],
      400,
      'Invalid offset: expected a non-negative integer',
    ],
    [
      'a repeated filter',
      ['/v1/events?action=a&action=b', {}],
      400,
      'Invalid query parameter: action given more than once',
    ],
  ])('%s', async (_name, [path, options], status, error) => {
    const { server, before } = await seeded();
    const reply = await call(server, path, options);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.json).toEqual({ error });
    if (status === 405) expect(reply.headers.allow).toMatch(/^(GET|GET, POST)$/);
    expect(await snapshot(server)).toEqual(before);
  });

  test.each([
    ['search', "%'; DROP TABLE events; --"],
    ['actor_name', '_%_'],
    ['action', "' OR 1=1 --"],
    ['actor_id', '%'],
    ['organization_id', "'); DELETE FROM events; --"],
  ])('SQL metacharacters in %s match as literal text and harm nothing', async (name, value) => {
    const { server, before } = await seeded();
    const reply = await call<{ total: number }>(server, `/v1/events?${name}=${encodeURIComponent(value)}`);
    expect(reply.status).toBe(200);
    expect(reply.json.total).toBe(0);
    expect(await snapshot(server)).toEqual(before);
  });

  test('a body just under 1 MiB is accepted', async () => {
    const server = await start();
    const small = JSON.stringify(eventBody({ metadata: { blob: '' } }));
    const blob = 'x'.repeat(1024 * 1024 - small.length);
    const reply = await call(server, '/v1/events', {
      method: 'POST',
      body: eventBody({ metadata: { blob } }),
    });
    expect(reply.status).toBe(201);
  });

  test('a refused request does not claim its Idempotency-Key', async () => {
    const { server } = await seeded();
    const headers = { 'idempotency-key': 'retry-me' };
    expect((await call(server, '/v1/events', { method: 'POST', body: '{', headers })).status).toBe(400);
    const event = await logEvent(server, { action: 'second.try' }, { headers });
    expect(event.action).toBe('second.try');
  });

  test('the connection survives a 413 and serves the next request', async () => {
    const { server } = await seeded();
    const big = await call(server, '/v1/events', { method: 'POST', body: 'x'.repeat(3 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect((await call(server, '/v1/usage')).status).toBe(200);
  });
});
