import { describe, expect, test } from 'vitest';
import type { StoredEvent } from '../src/index.js';
import { call, logEvent, start } from './helpers.js';

describe('GET /v1/events/:id', () => {
  test('returns the StoredEvent itself, not wrapped', async () => {
    const server = await start();
    const event = await logEvent(server, { metadata: { nested: { list: [1, 'two', null] } } });
    const reply = await call<StoredEvent>(server, `/v1/events/${event.id}`);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual(event);
    expect(reply.json.metadata).toEqual({ nested: { list: [1, 'two', null] } });
  });

  test("an unknown id and another account's id get the same 404", async () => {
    const server = await start();
    const other = server.createAccount();
    const theirs = await logEvent(server, {}, { key: other.apiKey });
    const missing = await call(server, '/v1/events/00000000-0000-4000-8000-000000000000');
    const foreign = await call(server, `/v1/events/${theirs.id}`);
    expect(missing.status).toBe(404);
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(missing.text);
    expect(foreign.json).toEqual({ error: 'Event not found' });
    expect((await call(server, `/v1/events/${theirs.id}`, { key: other.apiKey })).status).toBe(200);
  });

  test('ids that are not uuids, or malformed escapes, are 404', async () => {
    const server = await start();
    for (const id of ["1'%20OR%20'1'='1", '%E0%A4%A', 'export.csv']) {
      const reply = await call(server, `/v1/events/${id}`);
      expect(reply.status).toBe(404);
      expect(reply.json).toMatchObject({ error: expect.any(String) });
    }
  });

  test('authentication is checked before the lookup', async () => {
    const server = await start();
    const event = await logEvent(server);
    const reply = await call(server, `/v1/events/${event.id}`, { key: 'al_wrongwrongwrong' });
    expect(reply.status).toBe(401);
  });
});
