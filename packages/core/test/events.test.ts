import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { AuditLedgeValidationError, type StoredEvent } from '../src/index.js';
import { client } from './helpers.js';

/**
 * A paging API over `rows` (already newest first) on a real HTTP server: it honours
 * `limit`, `offset` and `end_date` as the v1 API does, answers a smaller page than asked
 * when `maxPage` says so (as the local API does past 16 MiB), and records every URL.
 * `stallFrom` leaves requests from that number on unanswered.
 */
async function pagingApi(rows: StoredEvent[], opts: { maxPage?: number; stallFrom?: number } = {}) {
  const urls: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    urls.push(q);
    if (opts.stallFrom !== undefined && urls.length >= opts.stallFrom) return;
    const end = q.get('end_date');
    const matching = rows.filter((r) => end === null || r.timestamp <= end);
    const offset = Number(q.get('offset') ?? 0);
    const limit = Math.min(Number(q.get('limit') ?? 20), opts.maxPage ?? 1000);
    const events = matching.slice(offset, offset + limit);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ events, total: matching.length, limit, offset }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, urls };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** `n` events newest first, one second apart. */
function trail(n: number): StoredEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `e${i}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) - i * 1000).toISOString(),
    actor_id: 'u',
    actor_name: null,
    actor_email: null,
    action: 'invoice.deleted',
    resource_type: 'invoice',
    resource_id: `inv_${i}`,
    resource_name: null,
    metadata: null,
    organization_id: null,
    api_key_id: null,
  }));
}

async function collect(iterable: AsyncIterable<StoredEvent>): Promise<string[]> {
  const ids: string[] = [];
  for await (const event of iterable) ids.push(event.id);
  return ids;
}

describe('events()', () => {
  test('yields every match newest first, pageSize at a time, with the filters on every request', async () => {
    const rows = trail(25);
    const api = await pagingApi(rows);
    const audit = client(api.url);
    const ids = await collect(audit.events({ action: 'invoice', pageSize: 10 }));
    expect(ids).toEqual(rows.map((r) => r.id));
    expect(api.urls).toHaveLength(3);
    for (const q of api.urls) {
      expect(q.get('limit')).toBe('10');
      expect(q.get('action')).toBe('invoice');
    }
    // After the first page, each request is anchored on the last event seen.
    expect(api.urls[1]!.get('end_date')).toBe(rows[9]!.timestamp);
    expect(api.urls[1]!.get('offset')).toBe('1');
    await audit.shutdown();
  });

  test('the default page size is bounded (100), and limit is another name for it', async () => {
    const api = await pagingApi(trail(3));
    const audit = client(api.url);
    await collect(audit.events());
    await collect(audit.events({ limit: 7 }));
    expect(api.urls.map((q) => q.get('limit'))).toEqual(['100', '7']);
    await audit.shutdown();
  });

  test('breaking out of the loop stops the requests', async () => {
    const api = await pagingApi(trail(100));
    const audit = client(api.url);
    let seen = 0;
    for await (const _ of audit.events({ pageSize: 10 })) {
      if (++seen === 15) break;
    }
    expect(seen).toBe(15);
    expect(api.urls).toHaveLength(2);
    await audit.shutdown();
  });

  test('a page smaller than asked (the API applied a smaller limit) is not the end', async () => {
    const rows = trail(30);
    const api = await pagingApi(rows, { maxPage: 4 });
    const audit = client(api.url);
    expect(await collect(audit.events({ pageSize: 50 }))).toEqual(rows.map((r) => r.id));
    await audit.shutdown();
  });

  test('an AbortSignal aborts a pending page request and the loop throws its reason', async () => {
    const api = await pagingApi(trail(50), { stallFrom: 2 });
    const audit = client(api.url, { timeout: 60_000 });
    const controller = new AbortController();
    const ids: string[] = [];
    const loop = (async () => {
      for await (const event of audit.events({ pageSize: 10, signal: controller.signal })) {
        ids.push(event.id);
        // The tenth event: the next step requests the second page, which never answers.
        if (ids.length === 10) setImmediate(() => controller.abort());
      }
    })();
    await expect(loop).rejects.toMatchObject({ name: 'AbortError' });
    expect(ids).toHaveLength(10);
    await audit.shutdown({ timeout: 0 });
  });

  test('an AbortSignal aborted between events ends the loop at the next step', async () => {
    const api = await pagingApi(trail(50));
    const audit = client(api.url);
    const controller = new AbortController();
    const reason = new Error('stop here');
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of audit.events({ pageSize: 10, signal: controller.signal })) {
          if (++seen === 3) controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(seen).toBe(3);
    expect(api.urls).toHaveLength(1);
    await audit.shutdown();
  });

  test('bad options throw at the call, naming the field, before any request', async () => {
    const api = await pagingApi(trail(1));
    const audit = client(api.url);
    const fieldOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(AuditLedgeValidationError);
        return (err as AuditLedgeValidationError).field;
      }
      return 'no error';
    };
    expect(fieldOf(() => audit.events({ pageSize: 0 }))).toBe('pageSize');
    expect(fieldOf(() => audit.events({ pageSize: 1001 }))).toBe('pageSize');
    expect(fieldOf(() => audit.events({ limit: 2.5 }))).toBe('limit');
    expect(fieldOf(() => audit.events({ offset: 5 } as never))).toBe('offset');
    expect(fieldOf(() => audit.events({ start_date: 'yesterday' }))).toBe('start_date');
    expect(fieldOf(() => audit.events({ signal: 'x' } as never))).toBe('signal');
    expect(api.urls).toHaveLength(0);
    await audit.shutdown();
  });
});
