import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { AuditLedgeError, AuditLedgeValidationError, createFetchTransport } from '../src/index.js';
import { client } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const CHUNK = 'x'.repeat(64 * 1024);

/**
 * An export of `chunks` x 64 KiB written with backpressure: each write that the socket does
 * not take at once waits for 'drain'. `blocked` resolves the first time a write has to wait,
 * with how many chunks had been written by then.
 */
async function slowExport(chunks: number) {
  const urls: string[] = [];
  let onBlocked: (written: number) => void = () => {};
  const blocked = new Promise<number>((resolve) => {
    onBlocked = resolve;
  });
  const progress = { written: 0 };
  const url = await serve(async (req, res) => {
    if (req.url === '/ping') {
      res.end('pong');
      return;
    }
    urls.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/csv' });
    for (let i = 0; i < chunks; i++) {
      const taken = res.write(CHUNK);
      progress.written++;
      if (!taken) {
        onBlocked(i + 1);
        await new Promise((resolve) => res.once('drain', resolve));
      }
      if (res.destroyed) return;
    }
    res.end();
  });
  /** Round trips to the same server on other connections: many turns of both sides' I/O. */
  const pings = async (n: number) => {
    for (let i = 0; i < n; i++) await (await fetch(`${url}/ping`)).text();
  };
  return { url, urls, blocked, progress, pings };
}

describe('exportStream()', () => {
  test('streams the body as it arrives; the query carries the format and filters', async () => {
    const api = await slowExport(20);
    const audit = client(api.url);
    const stream = audit.exportStream({ format: 'csv', action: 'invoice', start_date: '2026-01-01' });
    expect(stream).toBeInstanceOf(Readable);
    expect(await readAll(stream)).toBe(CHUNK.repeat(20));
    const q = new URL(api.urls[0]!, 'http://x');
    expect(q.pathname).toBe('/v1/events/export');
    expect(Object.fromEntries(q.searchParams)).toEqual({
      format: 'csv',
      action: 'invoice',
      start_date: '2026-01-01',
    });
    await audit.shutdown();
  });

  test('requests nothing until it is read', async () => {
    const api = await slowExport(1);
    const audit = client(api.url);
    const stream = audit.exportStream();
    await new Promise((resolve) => setImmediate(resolve));
    expect(api.urls).toHaveLength(0);
    await readAll(stream);
    expect(api.urls).toHaveLength(1);
    await audit.shutdown();
  });

  test.each([
    ['the default undici transport', undefined],
    ['the fetch transport', 'fetch'],
  ] as const)('backpressure with %s: a consumer that stops reading stops the server', async (_name, kind) => {
    // 64 MiB: far more than the socket buffers and the stream's buffer hold together.
    const total = 1024;
    const api = await slowExport(total);
    const audit = client(api.url, kind === 'fetch' ? { transport: createFetchTransport(api.url) } : {});
    const stream = audit.exportStream({ format: 'csv' });
    // Read one chunk, then stop reading.
    await new Promise<void>((resolve) => stream.once('readable', () => resolve()));
    const first = stream.read() as Buffer;
    await api.blocked;
    // Let both sides run until the server stops making progress (the buffers between them
    // are full), then check it stays stopped: a client that read the socket regardless,
    // buffering the export in memory, would let the server write all of it.
    let before = -1;
    while (api.progress.written !== before) {
      before = api.progress.written;
      await api.pings(10);
    }
    await api.pings(20);
    expect(api.progress.written).toBe(before);
    expect(before).toBeLessThan(total / 4);
    // Reading again drains it: every byte arrives.
    const rest = await readAll(stream);
    expect(first.length + rest.length).toBe(total * CHUNK.length);
    await audit.shutdown();
  });

  test('pipes into a slow writable with every byte in order', async () => {
    const api = await slowExport(200);
    const audit = client(api.url);
    let received = 0;
    let maxBuffered = 0;
    const stream = audit.exportStream({ format: 'csv' });
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, callback) {
        received += chunk.length;
        maxBuffered = Math.max(maxBuffered, stream.readableLength);
        setImmediate(callback);
      },
    });
    await pipeline(stream, sink);
    expect(received).toBe(200 * CHUNK.length);
    // The client's own buffer stays near its highWaterMark, not the export's size.
    expect(maxBuffered).toBeLessThan(1024 * 1024);
    await audit.shutdown();
  });

  test('an error answer destroys the stream with the API error; transient ones are retried first', async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      n++;
      if (n === 1) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":"busy"}');
        return;
      }
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"Invalid API key"}');
    });
    const audit = client(url);
    const err = await readAll(audit.exportStream()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditLedgeError);
    expect(err).toMatchObject({ code: 'AL_ERR_UNAUTHORIZED', status: 401 });
    expect((err as Error).message).toContain('Invalid API key');
    expect(n).toBe(2);
    await audit.shutdown();
  });

  test('a server that hangs up mid-export destroys the stream with an error: a truncated export never looks whole', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write(CHUNK, () => res.destroy());
    });
    const audit = client(url);
    const err = await readAll(audit.exportStream({ format: 'csv' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditLedgeError);
    expect((err as AuditLedgeError).code).toBe('AL_ERR_NETWORK');
    await audit.shutdown();
  });

  test('an AbortSignal destroys the stream with its reason and hangs up on the server', async () => {
    let onServerClose: () => void = () => {};
    const serverClosed = new Promise<void>((resolve) => {
      onServerClose = resolve;
    });
    const url = await serve((_req, res) => {
      res.on('close', onServerClose);
      res.writeHead(200);
      res.write(CHUNK);
    });
    const audit = client(url);
    const controller = new AbortController();
    const stream = audit.exportStream({ signal: controller.signal });
    const err = readAll(stream).catch((e: unknown) => e);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    controller.abort();
    expect(await err).toMatchObject({ name: 'AbortError' });
    // The request is aborted, not left to run: the server sees the connection close.
    await serverClosed;
    await audit.shutdown();
  });

  test('bad options throw at the call, naming the field', async () => {
    const audit = client('http://127.0.0.1:9');
    expect(() => audit.exportStream({ format: 'xml' as never })).toThrow(AuditLedgeValidationError);
    expect(() => audit.exportStream({ limit: 5 } as never)).toThrow(/limit/);
    expect(() => audit.exportStream({ signal: {} as never })).toThrow(/signal/);
    await audit.shutdown();
  });

  test('after shutdown() the stream fails with AL_ERR_CLOSED', async () => {
    const audit = client('http://127.0.0.1:9');
    await audit.shutdown();
    const err = await readAll(audit.exportStream()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AL_ERR_CLOSED' });
  });
});
