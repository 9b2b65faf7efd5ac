import { describe, expect, test } from 'vitest';
import type { StoredEvent } from '../src/index.js';
import { call, eventBody, list, logEvent, start, testClock, usage } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /v1/events', () => {
  test('answers 201 { success, event } with the flat StoredEvent, in field order', async () => {
    const clock = testClock('2024-03-07T10:00:00.123Z');
    const server = await start({ now: clock.now, organizationId: 'org_acme' });
    const reply = await call<{ success: boolean; event: StoredEvent }>(server, '/v1/events', {
      method: 'POST',
      body: eventBody({ metadata: { field: 'status', old_value: 'draft', new_value: 'sent' } }),
    });
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.json.success).toBe(true);
    const { event } = reply.json;
    expect(event).toEqual({
      id: expect.stringMatching(UUID),
      timestamp: '2024-03-07T10:00:00.123Z',
      actor_id: 'user_1',
      actor_name: 'Alice Martin',
      actor_email: 'alice@example.com',
      action: 'invoice.deleted',
      resource_type: 'invoice',
      resource_id: 'inv_1',
      resource_name: 'Invoice 1',
      metadata: { field: 'status', old_value: 'draft', new_value: 'sent' },
      organization_id: 'org_acme',
      api_key_id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
    });
    expect(Object.keys(event)).toEqual([
      'id',
      'timestamp',
      'actor_id',
      'actor_name',
      'actor_email',
      'action',
      'resource_type',
      'resource_id',
      'resource_name',
      'metadata',
      'organization_id',
      'api_key_id',
    ]);
  });

  test('absent optional fields are null', async () => {
    const server = await start();
    const event = await logEvent(server, { actor: { id: 'u' }, resource: { type: 'doc', id: 'd1' } });
    expect(event.actor_name).toBeNull();
    expect(event.actor_email).toBeNull();
    expect(event.resource_name).toBeNull();
    expect(event.metadata).toBeNull();
    expect(event.organization_id).toBe(server.organizationId);
  });

  test('organization_id given in the body wins over the key default', async () => {
    const server = await start();
    expect((await logEvent(server, { organization_id: 'org_tenant_9' })).organization_id).toBe(
      'org_tenant_9',
    );
  });

  test.each([
    ['2024-01-02T03:04:05.678Z', '2024-01-02T03:04:05.678Z'],
    ['2024-01-02T05:04:05+02:00', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02T03:04:05', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02', '2024-01-02T00:00:00.000Z'],
    ['2024-01-02T03:04:05.123456Z', '2024-01-02T03:04:05.123Z'],
  ])('a given timestamp %s is kept, normalised to %s (backdating allowed)', async (given, stored) => {
    const server = await start();
    const event = await logEvent(server, { timestamp: given });
    expect(event.timestamp).toBe(stored);
  });

  test('the event is persisted: it can be read back', async () => {
    const server = await start();
    const event = await logEvent(server);
    const reply = await call<StoredEvent>(server, `/v1/events/${event.id}`);
    expect(reply.json).toEqual(event);
  });

  test.each([
    ['actor', { actor: undefined }],
    ['actor.id', { actor: { name: 'No Id' } }],
    ['empty actor.id', { actor: { id: '' } }],
    ['action', { action: undefined }],
    ['null action', { action: null }],
    ['resource', { resource: undefined }],
    ['resource.type', { resource: { id: 'inv_1' } }],
    ['resource.id', { resource: { type: 'invoice' } }],
  ])('without %s: 400 "Missing required fields" and nothing stored', async (_name, overrides) => {
    const server = await start();
    const reply = await call(server, '/v1/events', { method: 'POST', body: eventBody(overrides) });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: 'Missing required fields' });
    expect((await list(server)).total).toBe(0);
  });

  describe('Idempotency-Key', () => {
    test('a repeated key stores nothing new and answers 201 with the first event', async () => {
      const server = await start();
      const headers = { 'idempotency-key': 'evt_123' };
      const first = await logEvent(server, {}, { headers });
      const again = await logEvent(server, { action: 'something.else' }, { headers });
      expect(again).toEqual(first);
      expect((await list(server)).total).toBe(1);
      expect((await usage(server)).events_this_month).toBe(1);
    });

    test('different keys store different events', async () => {
      const server = await start();
      await logEvent(server, {}, { headers: { 'idempotency-key': 'a' } });
      await logEvent(server, {}, { headers: { 'idempotency-key': 'b' } });
      await logEvent(server);
      expect((await list(server)).total).toBe(3);
    });

    test('keys are scoped to the account', async () => {
      const server = await start();
      const other = server.createAccount();
      const headers = { 'idempotency-key': 'shared' };
      const mine = await logEvent(server, {}, { headers });
      const theirs = await logEvent(server, {}, { headers, key: other.apiKey });
      expect(theirs.id).not.toBe(mine.id);
      expect((await list(server, '', other.apiKey)).total).toBe(1);
    });

    test('concurrent requests with one key store one event', async () => {
      const server = await start();
      const events = await Promise.all(
        Array.from({ length: 20 }, () => logEvent(server, {}, { headers: { 'idempotency-key': 'burst' } })),
      );
      expect(new Set(events.map((e) => e.id)).size).toBe(1);
      expect((await list(server)).total).toBe(1);
    });

    test('a key over 255 characters is 400 and stores nothing', async () => {
      const server = await start();
      const reply = await call(server, '/v1/events', {
        method: 'POST',
        body: eventBody(),
        headers: { 'idempotency-key': 'k'.repeat(256) },
      });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ error: 'Invalid Idempotency-Key header: expected 1 to 255 characters' });
      expect((await list(server)).total).toBe(0);
    });
  });
});
