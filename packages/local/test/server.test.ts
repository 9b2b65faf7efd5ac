import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, onTestFinished, test } from 'vitest';
import { startLocalServer } from '../src/index.js';
import { hashApiKey } from '../src/keys.js';
import { call, list, logEvent, start, usage } from './helpers.js';

let dirs: string[] = [];
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-local-'));
  dirs.push(dir);
  return { dir, db: join(dir, 'nested', 'local.db') };
};
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** Every byte of the database: main file, WAL and shared memory. */
const fileBytes = (dir: string) =>
  Buffer.concat(
    readdirSync(join(dir, 'nested')).map((name) => readFileSync(join(dir, 'nested', name))),
  ).toString('latin1');

describe('startLocalServer', () => {
  test('resolves with a loopback url, a working key and the first account', async () => {
    const server = await start({ organizationId: 'org_first' });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.apiKey).toMatch(/^al_/);
    expect(server.accountId).toMatch(/^acct_[0-9a-f]{16}$/);
    expect(server.organizationId).toBe('org_first');
    expect((await call(server, '/health', { key: null })).json).toEqual({ status: 'ok' });
  });

  test('createAccount makes an isolated account with its own plan and organization', async () => {
    const server = await start();
    const other = server.createAccount({ plan: 'starter', organizationId: 'org_other' });
    expect(other).toEqual({
      accountId: expect.stringMatching(/^acct_/),
      apiKey: expect.stringMatching(/^al_/),
      organizationId: 'org_other',
    });
    expect(other.accountId).not.toBe(server.accountId);
    const event = await logEvent(server, {}, { key: other.apiKey });
    expect(event.organization_id).toBe('org_other');
    expect((await usage(server, other.apiKey)).plan).toBe('starter');
    expect((await list(server)).total).toBe(0);
    expect(server.createAccount().organizationId).toMatch(/^org_[0-9a-f]{16}$/);
  });

  test('keys are stored only as SHA-256 hashes', async () => {
    const { dir, db } = tempDb();
    const server = await startLocalServer({ port: 0, db });
    const keys = [server.apiKey, server.createApiKey(), server.createAccount().apiKey];
    await logEvent(server);
    const live = fileBytes(dir);
    for (const key of keys) expect(live).not.toContain(key.slice(3));
    await server.close();
    const bytes = fileBytes(dir);
    for (const key of keys) {
      expect(bytes).not.toContain(key.slice(3));
      expect(bytes).toContain(hashApiKey(key));
    }
  });

  test('a file database keeps events, accounts and keys across restarts, in WAL mode', async () => {
    const { db } = tempDb();
    const first = await startLocalServer({ port: 0, db, apiKey: 'al_persistent_key_1', plan: 'starter' });
    const event = await logEvent(first);
    const revoked = first.createApiKey();
    first.revokeApiKey(revoked);
    await first.close();

    const again = await startLocalServer({ port: 0, db, apiKey: 'al_persistent_key_1' });
    expect(again.accountId).toBe(first.accountId);
    expect(again.organizationId).toBe(first.organizationId);
    expect((await call(again, `/v1/events/${event.id}`)).json).toEqual(event);
    expect(await usage(again)).toMatchObject({ plan: 'starter', events_this_month: 1 });
    expect((await call(again, '/v1/usage', { key: revoked })).status).toBe(401);
    await again.close();

    // Without a key, a restart mints a new one for the same account; old keys keep working.
    const third = await startLocalServer({ port: 0, db, plan: 'pro' });
    expect(third.accountId).toBe(first.accountId);
    expect(third.apiKey).not.toBe('al_persistent_key_1');
    expect((await usage(third)).plan).toBe('pro');
    expect((await usage(third, 'al_persistent_key_1')).events_this_month).toBe(1);
    await third.close();

    const raw = new Database(db, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  test('acknowledged events are committed: another connection to the file sees each one', async () => {
    const { db } = tempDb();
    const server = await startLocalServer({ port: 0, db });
    onTestFinished(() => server.close());
    const reader = new Database(db, { readonly: true });
    onTestFinished(() => {
      reader.close();
    });
    const exists = reader.prepare('SELECT 1 FROM events WHERE id = ?');
    const seen: boolean[] = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const event = await logEvent(server, { action: `burst.${i}` });
        return exists.get(event.id) !== undefined;
      }),
    );
    expect(seen).toEqual(Array(200).fill(true));
  });

  test('an unexpected failure is a 500 with no detail, reported to onError', async () => {
    const { db } = tempDb();
    const errors: unknown[] = [];
    const server = await startLocalServer({ port: 0, db, onError: (err) => errors.push(err) });
    onTestFinished(() => server.close());
    await logEvent(server);
    // Break the file behind the server's back, as a damaged or hand-edited database would be.
    const other = new Database(db);
    other.exec('DROP TABLE events');
    other.close();
    const reply = await call(server, '/v1/events');
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({ error: 'Internal server error' });
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('no such table: events');
    expect((await call(server, '/v1/usage')).status).toBe(200);
  });

  test('a revoked key cannot be registered again', async () => {
    const { db } = tempDb();
    const first = await startLocalServer({ port: 0, db, apiKey: 'al_will_be_revoked' });
    first.revokeApiKey('al_will_be_revoked');
    await first.close();
    await expect(startLocalServer({ port: 0, db, apiKey: 'al_will_be_revoked' })).rejects.toThrow(/revoked/);
  });

  test('a database from a newer schema is refused', async () => {
    const { db } = tempDb();
    await (await startLocalServer({ port: 0, db })).close();
    const raw = new Database(db);
    raw.pragma('user_version = 99');
    raw.close();
    await expect(startLocalServer({ port: 0, db })).rejects.toThrow(/schema version 99/);
  });

  test('a port in use rejects with EADDRINUSE', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(startLocalServer({ port, db: ':memory:' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      blocker.close();
    }
  });

  test('an unknown plan is refused', async () => {
    // @ts-expect-error: the type forbids it; callers from JavaScript get a clear error.
    await expect(start({ plan: 'platinum' })).rejects.toThrow('Unknown plan: platinum');
    const server = await start();
    // @ts-expect-error: same for createAccount
    expect(() => server.createAccount({ plan: 'gold' })).toThrow('Unknown plan: gold');
  });

  test('close() is idempotent and stops the server, also with keep-alive connections open', async () => {
    const server = await startLocalServer({ port: 0, db: ':memory:' });
    await logEvent(server);
    await Promise.all([server.close(), server.close()]);
    // The pooled socket was closed by the server (reset); a new one is refused.
    await expect(call(server, '/v1/usage')).rejects.toMatchObject({ code: expect.stringMatching(/^ECONN/) });
    await expect(call(server, '/v1/usage')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
