import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  open,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../../test/support/scriptedApi.js';
import type { AuditLedge, AuditLedgeError, ClientOptions, DropReason } from '../../src/index.js';
import { client, event, expectInvariant } from '../helpers.js';

let api: ScriptedApi | undefined;
let down: ScriptedApi | undefined;
const clients: AuditLedge[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) {
    expectInvariant(c);
    await c.shutdown({ timeout: 100 });
  }
  await api?.close();
  await down?.close();
  api = undefined;
  down = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-spool-'));
  dirs.push(dir);
  return join(dir, 'spool');
}

function spooled(url: string, dir: string, options: ClientOptions = {}): AuditLedge {
  const c = client(url, { ...options, spool: { dir, fsync: 'never', ...options.spool } });
  clients.push(c);
  return c;
}

const keys = (a: ScriptedApi) =>
  a.received.filter((r) => r.method === 'POST').map((r) => String(r.headers['idempotency-key']));
const segments = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.seg'));
/** An API that refuses every event (503): where a client that is about to "crash" sends. */
async function startDownApi(): Promise<ScriptedApi> {
  down = await startScriptedApi(() => ({ status: 503, body: { error: 'down' } }));
  return down;
}

/** The API refuses every event (503) until `up()` is called. */
function outage(a: ScriptedApi): { up(): void } {
  let down = true;
  a.script(() => (down ? { status: 503, body: { error: 'down' } } : undefined));
  return {
    up() {
      down = false;
    },
  };
}

/**
 * Takes every thread of libuv's pool (each blocks opening a FIFO no one writes to), so the
 * spool's asynchronous writes and unlinks wait behind them as on a loaded machine, until
 * `release()`. Not on Windows, which has no FIFOs.
 */
function holdThreadPool(dir: string): { release(): void } {
  const fifo = join(dir, '..', 'pool.fifo');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  for (let k = 0; k < threads; k++) open(fifo, 'r', (err, fd) => err || closeSync(fd));
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      closeSync(openSync(fifo, 'w')); // opens for every waiting reader at once
    },
  };
}

/** Closes a client the way a crash would leave its spool: nothing acknowledged after this. */
async function crashLike(c: AuditLedge): Promise<void> {
  await c.durable();
  await c.shutdown({ timeout: 0 });
  clients.splice(clients.indexOf(c), 1);
}

describe('spool', () => {
  test('delivers as usual, and a fully delivered spool leaves nothing to replay', async () => {
    api = await startScriptedApi();
    const dir = tempDir();
    const a = spooled(api.url, dir);
    const ids = Array.from({ length: 50 }, (_, k) => a.enqueue(event(k)));
    await a.durable();
    await a.flush();
    expect(a.stats()).toMatchObject({ accepted: 50, delivered: 50, queued: 0 });
    expect(a.stats().spool).toMatchObject({ replayed: 0, spilled: 0, corrupt: 0, writeErrors: 0 });
    await a.shutdown();
    clients.length = 0;
    const b = spooled(api.url, dir);
    expect(b.stats()).toMatchObject({ accepted: 0, queued: 0 });
    expect(b.stats().spool?.replayed).toBe(0);
    expect(new Set(keys(api))).toEqual(new Set(ids));
  });

  test('a new client on the same dir replays what was not delivered, under the original keys, once', async () => {
    api = await startScriptedApi();
    const dead = await startDownApi();
    const dir = tempDir();
    const a = spooled(dead.url, dir, { retryBaseDelay: 1_000, maxRetryDelay: 1_000 });
    const ids = Array.from({ length: 40 }, (_, k) => a.enqueue(event(k)));
    await crashLike(a);
    expect(api.stored).toHaveLength(0);

    const b = spooled(api.url, dir);
    expect(b.stats()).toMatchObject({ accepted: 40, queued: 40 });
    expect(b.stats().spool?.replayed).toBe(40);
    await b.flush();
    expect(b.stats()).toMatchObject({ accepted: 40, delivered: 40, queued: 0 });
    expect(api.stored).toHaveLength(40);
    expect(new Set(keys(api))).toEqual(new Set(ids));
    // Delivered: a third client finds nothing, and the acknowledged segments are gone.
    await b.shutdown();
    clients.length = 0;
    const c = spooled(api.url, dir);
    expect(c.stats().spool?.replayed).toBe(0);
  });

  test.skipIf(process.platform === 'win32').each(['never', 'interval', 'always'] as const)(
    'shutdown() resolves with every acknowledgement on disk, even while the thread pool is busy (fsync: %s)',
    async (fsync) => {
      api = await startScriptedApi();
      const dead = await startDownApi();
      const dir = tempDir();
      const a = spooled(dead.url, dir, {
        retryBaseDelay: 1_000,
        maxRetryDelay: 1_000,
        spool: { dir, fsync, fsyncInterval: 10 },
      });
      for (let k = 0; k < 40; k++) a.enqueue(event(k));
      await crashLike(a);

      // b has read the 40 events back when the first one reaches the API; from then on its
      // acknowledgement writes (and the deletion of a's segment) wait for the thread pool.
      let pool: { release(): void } | undefined;
      api.script(() => {
        pool ??= holdThreadPool(dir);
        return undefined;
      });
      const b = spooled(api.url, dir, { spool: { dir, fsync, fsyncInterval: 10 } });
      try {
        await b.flush();
        expect(b.stats()).toMatchObject({ delivered: 40, queued: 0 });
        await b.shutdown();
        clients.length = 0;
        expect(pool).toBeDefined();
        const c = spooled(api.url, dir);
        expect(c.stats().spool).toMatchObject({ replayed: 0, corrupt: 0 });
      } finally {
        pool?.release();
      }
    },
  );

  test('events beyond the memory cap wait on disk instead of being dropped, and go out in order', async () => {
    api = await startScriptedApi();
    const o = outage(api);
    const dir = tempDir();
    const a = spooled(api.url, dir, {
      maxQueueSize: 10,
      concurrency: 1,
      retryBaseDelay: 20,
      maxRetryDelay: 20,
    });
    const ids = Array.from({ length: 300 }, (_, k) => a.enqueue(event(k)));
    await a.durable();
    const during = a.stats();
    expect(during.dropped.total).toBe(0);
    expect(during.queued + during.inFlight).toBe(300);
    expect(during.spool?.spilled).toBe(300 - 10);
    o.up();
    await a.flush();
    expect(a.stats()).toMatchObject({ delivered: 300, queued: 0, inFlight: 0 });
    expect(a.stats().dropped.total).toBe(0);
    expect(api.stored).toHaveLength(300);
    // The first delivery of each id follows enqueue order, past the first memory-full of them.
    const firsts = [...new Set(keys(api))];
    expect(firsts.slice(10)).toEqual(ids.slice(10));
  });

  test('past maxBytes, events are dropped as spool_full, counted, and handed to onDrop', async () => {
    api = await startScriptedApi();
    outage(api);
    const dir = tempDir();
    const drops: DropReason[] = [];
    const a = spooled(api.url, dir, {
      maxQueueSize: 5,
      retryBaseDelay: 1_000,
      maxRetryDelay: 1_000,
      spool: { dir, maxBytes: 65_536 },
      onDrop: (_e, reason) => drops.push(reason),
    });
    const big = { blob: 'x'.repeat(2_000) };
    for (let k = 0; k < 60; k++) a.enqueue(event(k, { metadata: big }));
    await a.durable();
    const s = a.stats();
    expect(s.dropped.spool_full).toBeGreaterThan(0);
    expect(s.dropped.total).toBe(s.dropped.spool_full);
    expect(drops.filter((r) => r === 'spool_full')).toHaveLength(s.dropped.spool_full);
    expect(s.spool!.bytes).toBeLessThanOrEqual(65_536);
    expect(s.accepted).toBe(60);
  });

  test('one writer per directory: a second client gets AL_ERR_SPOOL_LOCKED naming the dir', async () => {
    api = await startScriptedApi();
    const dir = tempDir();
    const a = spooled(api.url, dir);
    let error: AuditLedgeError | undefined;
    try {
      spooled(api.url, dir);
    } catch (err) {
      error = err as AuditLedgeError;
    }
    expect(error?.code).toBe('AL_ERR_SPOOL_LOCKED');
    expect(error?.message).toContain(dir);
    await a.shutdown();
    clients.length = 0;
    expect(() => spooled(api!.url, dir)).not.toThrow();
  });

  test("a lock left by a dead process is taken over; a live process's is not", async () => {
    api = await startScriptedApi();
    const dir = tempDir();
    const a = spooled(api.url, dir);
    await a.shutdown();
    clients.length = 0;
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: Number(dead), startedAt: 1 }));
    expect(() => spooled(api!.url, dir)).not.toThrow();
    await clients.pop()!.shutdown();
    // The parent of this test runner is alive and not us.
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.ppid, startedAt: 1 }));
    expect(() => spooled(api!.url, dir)).toThrow(/in use by process/);
  });

  test('a truncated tail is skipped and counted; every whole record is replayed; the spool keeps working', async () => {
    api = await startScriptedApi();
    const dead = await startDownApi();
    const dir = tempDir();
    const a = spooled(dead.url, dir, { retryBaseDelay: 1_000, maxRetryDelay: 1_000 });
    const ids = Array.from({ length: 5 }, (_, k) => a.enqueue(event(k)));
    await crashLike(a);
    const [segment] = segments(dir);
    const path = join(dir, segment!);
    truncateSync(path, statSync(path).size - 7); // the last record torn in half

    const errors: AuditLedgeError[] = [];
    const b = spooled(api.url, dir, { onError: (e) => errors.push(e) });
    expect(b.stats().spool).toMatchObject({ replayed: 4, corrupt: 1 });
    const more = b.enqueue(event(99));
    await b.flush();
    expect(errors.map((e) => e.code)).toContain('AL_ERR_SPOOL');
    expect(new Set(api.stored.map((e) => (e.resource as { id: string }).id))).toEqual(
      new Set(['inv_0', 'inv_1', 'inv_2', 'inv_3', 'inv_99']),
    );
    expect(keys(api)).toEqual(expect.arrayContaining([...ids.slice(0, 4), more]));
  });

  test('garbage in the middle of a segment is not replayed, and never blocks the rest', async () => {
    api = await startScriptedApi();
    const dead = await startDownApi();
    const dir = tempDir();
    const a = spooled(dead.url, dir, { retryBaseDelay: 1_000, maxRetryDelay: 1_000 });
    for (let k = 0; k < 3; k++) a.enqueue(event(k));
    await crashLike(a);
    const path = join(dir, segments(dir)[0]!);
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3]! + 1) % 256; // a bit flipped in the last record
    writeFileSync(path, bytes);

    const b = spooled(api.url, dir);
    expect(b.stats().spool).toMatchObject({ replayed: 2, corrupt: 1 });
    await b.flush();
    expect(api.stored).toHaveLength(2);
  });

  test('replay after a 401 pause: nothing is dropped, and the next client with a good key delivers it', async () => {
    api = await startScriptedApi();
    let revoked = true;
    api.script(() => (revoked ? { status: 401, body: { error: 'revoked' } } : undefined));
    const dir = tempDir();
    const a = spooled(api.url, dir, { authRetryInterval: 60_000 });
    const ids = Array.from({ length: 20 }, (_, k) => a.enqueue(event(k)));
    await new Promise<void>((resolve) => {
      const check = () => (a.stats().state === 'unauthorized' ? resolve() : setTimeout(check, 5));
      check();
    });
    const report = await a.shutdown({ timeout: 0 });
    clients.length = 0;
    expect(report.pending).toBe(20);
    revoked = false;
    const b = spooled(api.url, dir);
    await b.flush();
    expect(b.stats()).toMatchObject({ accepted: 20, delivered: 20 });
    expect(new Set(api.stored.map((e) => (e.resource as { id: string }).id)).size).toBe(20);
    expect(new Set(keys(api))).toEqual(new Set(ids));
  });

  test('bad spool options throw a validation error naming the field', () => {
    const bad: [unknown, string][] = [
      [{}, 'options.spool.dir'],
      [{ dir: '' }, 'options.spool.dir'],
      [{ dir: 'x', maxBytes: 10 }, 'options.spool.maxBytes'],
      [{ dir: 'x', fsync: 'sometimes' }, 'options.spool.fsync'],
      [{ dir: 'x', fsyncInterval: 0 }, 'options.spool.fsyncInterval'],
      ['x', 'options.spool'],
    ];
    for (const [spool, field] of bad) {
      expect(() => client('http://127.0.0.1:1', { spool: spool as ClientOptions['spool'] })).toThrow(
        expect.objectContaining({ code: 'AL_ERR_VALIDATION', field }),
      );
    }
  });

  test('log() of an event that waited on disk resolves once it is delivered', async () => {
    api = await startScriptedApi();
    const o = outage(api);
    const dir = tempDir();
    const a = spooled(api.url, dir, { maxQueueSize: 2, retryBaseDelay: 10, maxRetryDelay: 10 });
    for (let k = 0; k < 5; k++) a.enqueue(event(k));
    const logged = a.log(event(42));
    expect(a.stats().spool?.spilled).toBeGreaterThan(0);
    o.up();
    await expect(logged).resolves.toMatchObject({ resource_id: 'inv_42' });
  });
});
