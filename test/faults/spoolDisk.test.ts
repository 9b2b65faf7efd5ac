// The disk refuses writes (an injected write error: RLIMIT_FSIZE lowered on the running child
// with prlimit, so every write past 64 KiB of a segment fails with EFBIG, as a full disk fails
// with ENOSPC, through the same path). The app goes on; the error is reported once per streak;
// events in memory are still delivered, exactly once; events that were on disk only are dropped
// as spool_full, counted and handed to onDrop; the accounting adds up.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLedge, type DeliveryStats, type StoredEvent } from '@auditledge/core';
import { type LocalServer, startLocalServer } from '@auditledge/local';
import { afterEach, expect, test } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/spoolChild.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('./fixtures/tsconfig.json', import.meta.url));

type Message =
  | { type: 'ready' }
  | { type: 'drained'; stats: DeliveryStats; ids: string[] }
  | { type: 'dropped'; id: string; reason: string }
  | { type: 'error'; code: string; reason?: string; message: string };

let local: LocalServer | undefined;
let dir: string | undefined;
let child: ChildProcess | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  await local?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  local = undefined;
  dir = undefined;
});

/** Runs a burst in a child whose file size limit is lowered once it is up; resolves with what it said. */
async function burstWithFailingDisk(config: object): Promise<{ messages: Message[]; exit: string }> {
  const messages: Message[] = [];
  const c = fork(fixture, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      AL_SPOOL_CHILD: JSON.stringify({ ...config, produce: 'burst', waitForGo: true }),
      AUDITLEDGE_API_KEY: '',
      TSX_TSCONFIG_PATH: tsconfig,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child = c;
  let output = '';
  c.stdout?.on('data', (d) => {
    output += d;
  });
  c.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<string>((resolve) =>
    c.on('exit', (code, signal) => resolve(`${code ?? signal}\n${output}`)),
  );
  const ready = new Promise<void>((resolve) =>
    c.on('message', (m: Message) => {
      messages.push(m);
      if (m.type === 'ready') resolve();
    }),
  );
  await ready;
  // Soft and hard limit of the running child: past 64 KiB, write() fails with EFBIG (Node ignores SIGXFSZ).
  execFileSync('prlimit', ['--pid', String(c.pid), '--fsize=65536']);
  c.send('go');
  return { messages, exit: await exited };
}

const errorsOf = (messages: Message[]) =>
  messages.filter((m): m is Extract<Message, { type: 'error' }> => m.type === 'error');
const drainedOf = (messages: Message[]) =>
  messages.find((m): m is Extract<Message, { type: 'drained' }> => m.type === 'drained');

test('write errors: reported, events in memory still delivered exactly once, the app unaffected', async () => {
  local = await startLocalServer({ port: 0, db: ':memory:', organizationId: 'org_disk' });
  dir = mkdtempSync(join(tmpdir(), 'auditledge-spool-disk-'));
  const { messages, exit } = await burstWithFailingDisk({
    baseUrl: local.url,
    apiKey: local.apiKey,
    dir: join(dir, 'spool'),
    round: 0,
    count: 600,
    maxQueueSize: 10_000,
  });
  expect(exit).toMatch(/^0/);
  const drained = drainedOf(messages);
  const s = drained!.stats;
  expect(s.spool!.writeErrors).toBeGreaterThan(0);
  const spoolErrors = errorsOf(messages).filter((e) => e.code === 'AL_ERR_SPOOL');
  expect(spoolErrors.length).toBeGreaterThan(0);
  expect(spoolErrors.length).toBeLessThanOrEqual(s.spool!.writeErrors);
  expect(spoolErrors[0]!.message).toMatch(/EFBIG|short write/);
  expect(s).toMatchObject({ accepted: 600, delivered: 600, queued: 0, inFlight: 0 });
  expect(s.dropped.total).toBe(0);

  const reader = new AuditLedge(local.apiKey, { baseUrl: local.url });
  const trail = (await reader.export()) as StoredEvent[];
  await reader.shutdown();
  const ids = trail.map((e) => e.resource_id).sort();
  expect(ids).toEqual([...drained!.ids].sort());
});

test('write errors with the API down: events on disk only are dropped as spool_full, counted, handed to onDrop', async () => {
  dir = mkdtempSync(join(tmpdir(), 'auditledge-spool-disk-'));
  const { messages, exit } = await burstWithFailingDisk({
    baseUrl: 'http://127.0.0.1:9', // discard port: refused, the events stay queued
    apiKey: 'al_test_disk',
    dir: join(dir, 'spool'),
    round: 0,
    count: 600,
    maxQueueSize: 50,
    durableOnly: true,
  });
  expect(exit).toMatch(/^0/);
  const s = drainedOf(messages)!.stats;
  const dropped = messages.filter((m) => m.type === 'dropped' && m.reason === 'spool_full');
  expect(s.spool!.writeErrors).toBeGreaterThan(0);
  expect(s.dropped.spool_full).toBeGreaterThan(0);
  expect(dropped).toHaveLength(s.dropped.spool_full);
  expect(s.accepted).toBe(600);
  expect(s.accepted).toBe(s.delivered + s.dropped.total + s.queued + s.inFlight);
});
