import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { DatabaseInUseError, startLocalServer } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-two-'));
  dirs.push(dir);
  return join(dir, 'local.db');
}

/** Runs the CLI (src/cli.ts through tsx) as its own process. */
function runCli(db: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--port', '0', '--db', db], {
    cwd: packageDir,
    env: { ...process.env, AUDITLEDGE_LOCAL_API_KEY: '' },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => {
      if (out.includes('new AuditLedge(')) resolve();
    });
    exit.then((code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  ready.catch(() => {});
  return { child, ready, exit, stderr: () => err };
}

describe('one database file, one server', () => {
  test('a second process on the same file is refused at start with a clear message', async () => {
    const db = tempDb();
    const first = runCli(db);
    await first.ready;
    const second = runCli(db);
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toContain(`${db} is in use by another auditledge-local server`);
    // The first one is untouched, and once it is gone the file can be used again.
    expect(first.child.exitCode).toBe(null);
    first.child.kill('SIGKILL');
    await first.exit;
    const third = runCli(db);
    await third.ready;
  }, 30_000);

  test('in one process too, and close() releases the file', async () => {
    const db = tempDb();
    const first = await startLocalServer({ db });
    await expect(startLocalServer({ db })).rejects.toBeInstanceOf(DatabaseInUseError);
    await first.close();
    await (await startLocalServer({ db })).close();
  });
});
