// SIGKILL with a spool: a child process audits under load and is killed at a random moment,
// ten times, each time restarted on the same spool directory; then a last start drains it.
// Every event the child reported accepted (only once `durable()` resolved) must be in the
// local API's trail exactly once, and no event at all twice. RELIABILITY.md links here.
import { type ChildProcess, fork } from 'node:child_process';
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
  | { type: 'ready'; replayed: number }
  | { type: 'accepted'; ids: string[] }
  | { type: 'drained'; stats: DeliveryStats }
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

function start(
  config: object,
  onMessage: (m: Message) => void,
): { child: ChildProcess; exited: Promise<string> } {
  const c = fork(fixture, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      AL_SPOOL_CHILD: JSON.stringify(config),
      AUDITLEDGE_API_KEY: '',
      TSX_TSCONFIG_PATH: tsconfig,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  c.stdout?.on('data', (d) => {
    output += d;
  });
  c.stderr?.on('data', (d) => {
    output += d;
  });
  c.on('message', (m: Message) => onMessage(m));
  const exited = new Promise<string>((resolve) =>
    c.on('exit', (code, signal) => resolve(`${code ?? signal}\n${output}`)),
  );
  child = c;
  return { child: c, exited };
}

test('SIGKILL ten times under load: every event reported accepted is delivered exactly once', {
  timeout: 90_000,
}, async () => {
  // The pro plan: ten rounds under load deliver more than the free plan's 10,000 events a month,
  // and a 429 would pause the last round's delivery until next month.
  local = await startLocalServer({ port: 0, db: ':memory:', organizationId: 'org_spool', plan: 'pro' });
  dir = mkdtempSync(join(tmpdir(), 'auditledge-spool-kill-'));
  const spoolDir = join(dir, 'spool');
  const accepted = new Set<string>();
  const replayed: number[] = [];
  const errors: string[] = [];
  const base = { baseUrl: local.url, apiKey: local.apiKey, dir: spoolDir };

  for (let round = 0; round < 10; round++) {
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const run = start({ ...base, round, produce: true }, (m) => {
      if (m.type === 'ready') {
        replayed.push(m.replayed);
        ready();
      } else if (m.type === 'accepted') for (const id of m.ids) accepted.add(id);
      else if (m.type === 'error') errors.push(m.message);
    });
    await Promise.race([
      isReady,
      run.exited.then((why) => Promise.reject(new Error(`child exited: ${why}`))),
    ]);
    // A random moment: during the replay of the last round's leftovers, or well into the load.
    await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 600));
    run.child.kill('SIGKILL');
    expect(await run.exited).toMatch(/^SIGKILL/);
  }

  let drained: DeliveryStats | undefined;
  const last = start({ ...base, round: 10, produce: false }, (m) => {
    if (m.type === 'drained') drained = m.stats;
    else if (m.type === 'error') errors.push(m.message);
  });
  // A drain that stalls (delivery paused, a read that never comes back) fails here with what the
  // child reported, not as a bare test timeout.
  let deadline: NodeJS.Timeout | undefined;
  const stalled = new Promise<string>((resolve) => {
    deadline = setTimeout(() => {
      last.child.kill('SIGKILL');
      resolve(`stalled draining the spool; reported: ${JSON.stringify(errors)}`);
    }, 45_000);
  });
  expect(await Promise.race([last.exited, stalled])).toMatch(/^0/);
  clearTimeout(deadline);

  const reader = new AuditLedge(local.apiKey, { baseUrl: local.url });
  const trail = (await reader.export()) as StoredEvent[];
  await reader.shutdown();
  const copies = new Map<string, number>();
  for (const e of trail) copies.set(e.resource_id, (copies.get(e.resource_id) ?? 0) + 1);

  expect(accepted.size).toBeGreaterThan(1_000); // it was under load
  expect(replayed.some((n) => n > 0)).toBe(true); // kills left work behind, and restarts took it up
  expect(errors).toEqual([]);
  expect(drained).toMatchObject({ queued: 0, inFlight: 0, dropped: { total: 0 } });
  const missing = [...accepted].filter((id) => !copies.has(id));
  expect(missing).toEqual([]);
  const twice = [...copies].filter(([, n]) => n > 1);
  expect(twice).toEqual([]);
});
