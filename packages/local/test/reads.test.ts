import { connect, type Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import type { EventsPage } from '../src/index.js';
import { call, logEvent, logMany, start } from './helpers.js';

// Just under the 1 MiB body limit once the rest of the event is added.
const BIG = 'x'.repeat(1024 * 1024 - 1024);

/** A raw GET whose response is never read: the socket is paused as soon as it connects. */
function stalledGet(url: string, path: string, key: string): Socket {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.pause();
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`);
  return socket;
}

const closed = (socket: Socket) =>
  new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });

describe('reads that cannot hurt ingestion', () => {
  test('a page is bounded in size: limit=1000 over maximum-size events is a smaller page, reporting the limit it applied', async () => {
    const server = await start();
    for (let i = 0; i < 24; i++) {
      await logEvent(server, {
        timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
        metadata: { blob: BIG },
      });
    }
    const first = await call<EventsPage>(server, '/v1/events?limit=1000');
    expect(first.status).toBe(200);
    expect(first.json.total).toBe(24);
    expect(first.json.events.length).toBeLessThan(24);
    expect(first.json.events.length).toBeGreaterThan(0);
    expect(first.json.limit).toBe(first.json.events.length);
    // offset + limit is where the next page starts: paging on reaches every event once.
    const ids = first.json.events.map((e) => e.id);
    let offset = first.json.limit;
    while (offset < 24) {
      const page = await call<EventsPage>(server, `/v1/events?limit=1000&offset=${offset}`);
      expect(page.status).toBe(200);
      ids.push(...page.json.events.map((e) => e.id));
      offset += page.json.limit;
    }
    expect(new Set(ids).size).toBe(24);
  }, 30_000);

  test('a small page is one body with a content-length, as before', async () => {
    const server = await start();
    await logMany(server, 5);
    const reply = await call<EventsPage>(server, '/v1/events?limit=3');
    expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(reply.text));
    expect(reply.json).toMatchObject({ total: 5, limit: 3, offset: 0 });
    expect(reply.json.events).toHaveLength(3);
  });

  test('a long page is streamed in chunks and parses whole', async () => {
    const server = await start();
    await logMany(server, 600, 16, () => ({ metadata: { pad: 'p'.repeat(300) } }));
    const reply = await call<EventsPage>(server, '/v1/events?limit=1000');
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.json.events).toHaveLength(600);
    expect(new Set(reply.json.events.map((e) => e.id)).size).toBe(600);
    expect(reply.json).toMatchObject({ total: 600, limit: 1000, offset: 0 });
  });

  test('an export whose client stops reading stops the cursor, and the idle connection is closed', async () => {
    const server = await start({ idleTimeout: 200 });
    const blob = 'b'.repeat(32 * 1024);
    await logMany(server, 2000, 16, () => ({ metadata: { blob } }));
    // ~64 MiB of export: far more than the socket buffers on both sides hold.
    const socket = stalledGet(server.url, '/v1/events/export', server.apiKey);
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    // A paused socket cannot see the server's FIN; read again once this side has been idle
    // ten times the server's idleTimeout, by which time the server has closed.
    socket.setTimeout(2000, () => socket.resume());
    // Ingestion is not held up by the stalled export.
    await logEvent(server);
    await closed(socket);
    // What left the server is what the kernel buffers held, not the export.
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(32 * 1024 * 1024);
  }, 30_000);

  test('an upload that stalls is closed after idleTimeout', async () => {
    const server = await start({ idleTimeout: 200 });
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    socket.write(
      `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.apiKey}\r\nContent-Length: 100\r\n\r\n{"act`,
    );
    await closed(socket);
    expect((await call(server, '/v1/usage')).status).toBe(200);
  });

  test('connections beyond maxConnections are closed at once; the others keep working', async () => {
    const server = await start({ maxConnections: 2 });
    const { hostname, port } = new URL(server.url);
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const socket = connect(Number(port), hostname, () => resolve(socket));
      });
    const a = await open();
    const b = await open();
    const c = await open();
    let answered = '';
    c.on('data', (chunk: Buffer) => {
      answered += chunk.toString();
    });
    c.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed(c);
    expect(answered).toBe('');
    const reply = new Promise<string>((resolve) =>
      a.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    a.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await reply).toContain('200 OK');
    a.destroy();
    b.destroy();
  });

  test('idleTimeout and maxConnections must be positive integers', async () => {
    await expect(start({ idleTimeout: 0 })).rejects.toThrow('Invalid idleTimeout');
    await expect(start({ maxConnections: 1.5 })).rejects.toThrow('Invalid maxConnections');
  });
});
