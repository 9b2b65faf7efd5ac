import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import {
  AuditLedge,
  type AuditLedgeError,
  AuditLedgeValidationError,
  createFetchTransport,
} from '../src/index.js';
import { client, event, KEY } from './helpers.js';

// Mistakes users make get an answer that says what to change.
let api: ScriptedApi | undefined;
let server: Server | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('baseUrl', () => {
  test.each([
    'http://127.0.0.1:4600/v1',
    'http://127.0.0.1:4600/v1/',
    'https://proxy.example.com/auditledge/V1',
  ])('%s (with /v1) is refused at construction, naming baseUrl and the fix', (baseUrl) => {
    const err = caught(() => new AuditLedge(KEY, { baseUrl }));
    expect(err).toBeInstanceOf(AuditLedgeValidationError);
    expect(err).toMatchObject({ field: 'options.baseUrl', code: 'AL_ERR_VALIDATION' });
    expect((err as Error).message).toContain('/v1');
    expect((err as Error).message).toContain(baseUrl.replace(/\/v1\/?$/i, ''));
  });

  test('a proxy prefix that is not /v1 is kept', async () => {
    api = await startScriptedApi((req) =>
      req.path === '/proxy/v1/usage' ? { status: 200, body: { plan: 'free' } } : { status: 404 },
    );
    const audit = client(`${api.url}/proxy`);
    await expect(audit.usage()).resolves.toEqual({ plan: 'free' });
  });
});

describe('API error messages name the method and URL, never the key', () => {
  test('a 404 on a read', async () => {
    api = await startScriptedApi(() => ({ status: 404, body: { error: 'Not found' } }));
    const audit = client(api.url);
    const err = (await audit.query({ action: 'invoice' }).catch((e: unknown) => e)) as AuditLedgeError;
    expect(err.code).toBe('AL_ERR_NOT_FOUND');
    expect(err.message).toContain(`GET ${api.url}/v1/events?action=invoice`);
    expect(err.message).toContain('Not found');
    expect(err.message).not.toContain(KEY);
  });

  test('a 400 on a delivery', async () => {
    api = await startScriptedApi(() => ({ status: 400, body: { error: 'Missing required fields' } }));
    const reported: string[] = [];
    const audit = client(api.url, { onError: (e) => reported.push(e.message) });
    const err = (await audit.log(event()).catch((e: unknown) => e)) as AuditLedgeError;
    expect(err).toMatchObject({ code: 'AL_ERR_BAD_REQUEST', status: 400 });
    expect(err.message).toContain(`POST ${api.url}/v1/events: Missing required fields`);
    expect(reported.join('\n')).toContain(`POST ${api.url}/v1/events`);
    expect(`${err.message}${reported.join('')}`).not.toContain(KEY);
  });

  test('a network failure', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const audit = client(`http://127.0.0.1:${port}`, { readRetries: 0 });
    const err = (await audit.usage().catch((e: unknown) => e)) as AuditLedgeError;
    expect(err.code).toBe('AL_ERR_NETWORK');
    expect(err.message).toContain(`GET http://127.0.0.1:${port}/v1/usage`);
  });

  test('credentials in the base URL stay out of messages', async () => {
    api = await startScriptedApi(() => ({ status: 500, body: { error: 'boom' } }));
    const url = new URL(api.url);
    url.username = 'user';
    url.password = 's3cret';
    const audit = client(url.toString(), { readRetries: 0 });
    const err = (await audit.usage().catch((e: unknown) => e)) as AuditLedgeError;
    expect(err.message).toContain(`GET ${api.url}/v1/usage`);
    expect(err.message).not.toContain('s3cret');
  });
});

describe('reads after shutdown()', () => {
  test('reject with AL_ERR_CLOSED, without a request', async () => {
    api = await startScriptedApi(() => ({ status: 200, body: { events: [], total: 0 } }));
    const audit = client(api.url);
    await audit.shutdown();
    for (const read of [
      () => audit.query(),
      () => audit.get('e1'),
      () => audit.usage(),
      () => audit.export(),
      () => audit.events().next(),
    ]) {
      await expect(read()).rejects.toMatchObject({ code: 'AL_ERR_CLOSED' });
    }
    expect(api.received).toHaveLength(0);
  });
});

describe('readRetries', () => {
  test.each([
    [0, 1],
    [1, 2],
    [undefined, 3], // the documented default, 2
  ])('readRetries: %s makes %i attempts on a 503', async (readRetries, attempts) => {
    api = await startScriptedApi(() => ({ status: 503, body: { error: 'down' } }));
    const audit = client(api.url, readRetries === undefined ? {} : { readRetries });
    await expect(audit.query()).rejects.toMatchObject({ code: 'AL_ERR_SERVER', status: 503 });
    expect(api.received).toHaveLength(attempts);
  });

  test('exportStream() follows it too', async () => {
    api = await startScriptedApi(() => ({ status: 503, body: { error: 'down' } }));
    const audit = client(api.url, { readRetries: 0 });
    const err = await audit
      .exportStream()
      .toArray()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AL_ERR_SERVER' });
    expect(api.received).toHaveLength(1);
  });

  test('a bad value is refused, naming it', () => {
    const err = caught(() => client('http://127.0.0.1:1', { readRetries: -1 }));
    expect(err).toMatchObject({ field: 'options.readRetries' });
  });
});

describe('setApiKey()', () => {
  test('errors scrub every key the client has used', async () => {
    const newKey = 'al_rotated_fedcba9876543210';
    // A careless proxy that echoes every credential it has seen.
    const seen = new Set<string>();
    api = await startScriptedApi((req) => {
      seen.add(String(req.headers.authorization).replace('Bearer ', ''));
      return { status: 500, body: { error: `upstream refused ${[...seen].join(' and ')}` } };
    });
    const messages: string[] = [];
    const audit = client(api.url, {
      readRetries: 0,
      maxRetries: 0,
      onError: (err, context) =>
        messages.push(JSON.stringify({ err: err.toJSON(), stack: err.stack, context })),
      logger: { warn: (obj, msg) => messages.push(JSON.stringify(obj), String(msg)) },
    });
    await audit.usage().catch(() => {});
    audit.setApiKey(newKey);
    const err = (await audit.usage().catch((e: unknown) => e)) as AuditLedgeError;
    await audit.log(event()).catch((e: Error) => messages.push(e.message, String(e.stack)));
    expect(seen).toEqual(new Set([KEY, newKey]));
    expect(err.message).toContain('[REDACTED] and [REDACTED]');
    messages.push(err.message, String(err.stack), JSON.stringify(err));
    expect(messages.length).toBeGreaterThan(4);
    for (const text of messages) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(newKey);
    }
    await audit.shutdown({ timeout: 0 });
  });
});

/** A 503 whose body never ends; counts what the server managed to write before the client hung up. */
async function endlessErrorServer(): Promise<{ url: string; written: () => number; closed: Promise<void> }> {
  let written = 0;
  let onClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    onClosed = resolve;
  });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  server = createServer((_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' });
    const pump = () => {
      while (!res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    res.once('close', onClosed);
    pump();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, written: () => written, closed };
}

describe('an error body that never ends', () => {
  test('is read up to a cap, and the request settles (default transport)', async () => {
    const endless = await endlessErrorServer();
    const audit = client(endless.url, { readRetries: 0, timeout: 60_000 });
    const err = (await audit.usage().catch((e: unknown) => e)) as AuditLedgeError;
    expect(err).toMatchObject({ code: 'AL_ERR_SERVER', status: 503 });
    await endless.closed; // the client hung up
    // What the socket buffers hold, not the endless body: a few MiB at most.
    expect(endless.written()).toBeLessThan(32 * 1024 * 1024);
    await audit.shutdown({ timeout: 0 });
  });

  test('is read up to a cap, and the request settles (fetch transport)', async () => {
    const endless = await endlessErrorServer();
    const audit = client(endless.url, {
      readRetries: 0,
      timeout: 60_000,
      transport: createFetchTransport(endless.url),
    });
    const err = (await audit.usage().catch((e: unknown) => e)) as AuditLedgeError;
    expect(err).toMatchObject({ code: 'AL_ERR_SERVER', status: 503 });
    await endless.closed;
    expect(endless.written()).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('impossible dates', () => {
  test.each([
    '2024-02-30',
    '2023-02-29',
    '2024-04-31T10:00:00Z',
    '2024-01-01T24:00Z',
    '2024-01-01T23:60:00Z',
    '2024-01-01T23:59:60Z',
    '2024-01-01T10:00:00+25:00',
    '0000-06-01T00:00:00Z',
    '0001-01-01T00:30:00+01:00', // year 0 in UTC
  ])('enqueue() refuses timestamp %s, naming it', (timestamp) => {
    const audit = client('http://127.0.0.1:1');
    const err = caught(() => audit.enqueue(event(1, { timestamp })));
    expect(err).toBeInstanceOf(AuditLedgeValidationError);
    expect(err).toMatchObject({ field: 'timestamp' });
  });

  test('a Date outside the years 1-9999 is refused too', () => {
    const audit = client('http://127.0.0.1:1');
    const yearZero = new Date(Date.UTC(2000, 0, 1));
    yearZero.setUTCFullYear(0);
    for (const timestamp of [yearZero, new Date(Date.UTC(10_000, 0, 1))]) {
      expect(caught(() => audit.enqueue(event(1, { timestamp })))).toMatchObject({ field: 'timestamp' });
    }
  });

  test.each([
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['2024-01-01T23:59:59.999+00:00', '2024-01-01T23:59:59.999Z'],
    ['2024-03-01T01:00-0130', '2024-03-01T02:30:00.000Z'],
  ])('real dates pass: %s', async (timestamp, stored) => {
    api = await startScriptedApi();
    const audit = client(api.url);
    await audit.log(event(1, { timestamp }));
    expect(api.received[0]!.body).toMatchObject({ timestamp: stored });
  });
});
