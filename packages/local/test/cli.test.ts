import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import type { Usage } from '../src/index.js';
import { call } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once the banner is printed, with the url and the key line. */
  ready: Promise<{ url: string; keyLine: string }>;
  exit: Promise<number | string | null>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-cli-'));
  dirs.push(dir);
  return join(dir, 'local.db');
}

/** Runs src/cli.ts through tsx, as `auditledge-local` runs dist/cli.js. */
function runCli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, AUDITLEDGE_LOCAL_API_KEY: '', ...env },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? `${signal}: ${err}`)),
  );
  const ready = new Promise<{ url: string; keyLine: string }>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\S+)/.exec(out)?.[1];
      const keyLine = /API key +(.+)/.exec(out)?.[1];
      if (url && keyLine && out.includes('new AuditLedge(')) resolve({ url, keyLine });
    });
    exit.then((code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  ready.catch(() => {});
  return { child, stdout: () => out, stderr: () => err, ready, exit };
}

describe('auditledge-local', () => {
  test('first start prints the url and a ready-to-use key; SIGTERM exits cleanly', async () => {
    const db = tempDb();
    const cli = runCli(['--port', '0', '--db', db]);
    const { url, keyLine } = await cli.ready;
    expect(keyLine).toMatch(/^al_[A-Za-z0-9_-]{32}$/);
    expect(cli.stdout()).toContain(`database  ${db} (new)`);
    expect(cli.stdout()).toContain('plan free');
    const reply = await call<Usage>({ url, apiKey: keyLine }, '/v1/usage');
    expect(reply.json).toMatchObject({ plan: 'free', events_this_month: 0 });
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).toContain('SIGTERM: closing');
  });

  test.each([
    [[], 200],
    [['--no-viewer'], 404],
  ])(
    '%j: the trail viewer at / is on by default and named in the banner; --no-viewer turns it off',
    async (flags, status) => {
      const cli = runCli(['--port', '0', '--db', ':memory:', ...flags]);
      const { url } = await cli.ready;
      expect(cli.stdout().includes(`viewer    ${url}/ `)).toBe(status === 200);
      const page = await call({ url, apiKey: '' }, '/', { key: null });
      expect(page.status).toBe(status);
      cli.child.kill('SIGTERM');
      expect(await cli.exit).toBe(0);
    },
  );

  test('a later start on the same file mints a new key, and earlier keys keep working; SIGINT exits cleanly', async () => {
    const db = tempDb();
    const first = runCli(['--port', '0', '--db', db]);
    const oldKey = (await first.ready).keyLine;
    first.child.kill('SIGINT');
    expect(await first.exit).toBe(0);

    const second = runCli(['--port', '0', '--db', db]);
    const { url, keyLine } = await second.ready;
    expect(keyLine).toMatch(/^al_/);
    expect(keyLine).not.toBe(oldKey);
    expect(second.stdout()).not.toContain('(new)');
    expect(second.stdout()).toContain('cannot be shown again');
    expect(second.stdout()).toContain('--api-key');
    expect((await call({ url, apiKey: oldKey }, '/v1/usage')).status).toBe(200);
    expect((await call({ url, apiKey: keyLine }, '/v1/usage')).status).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });

  test.each([
    ['--api-key', (key: string) => ({ args: ['--api-key', key], env: {} })],
    ['AUDITLEDGE_LOCAL_API_KEY', (key: string) => ({ args: [], env: { AUDITLEDGE_LOCAL_API_KEY: key } })],
  ])('a fixed key from %s is registered and never printed', async (source, given) => {
    const key = 'al_fixed_cli_key_0123456789';
    const { args, env } = given(key);
    const cli = runCli(['--port', '0', '--db', ':memory:', '--plan', 'pro', ...args], env);
    const { url, keyLine } = await cli.ready;
    expect(keyLine).toBe(`al_fixe... (from ${source})`);
    expect(cli.stdout() + cli.stderr()).not.toContain(key);
    const reply = await call<Usage>({ url, apiKey: key }, '/v1/usage');
    expect(reply.json).toMatchObject({ plan: 'pro', events_limit: null });
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
    expect(cli.stdout() + cli.stderr()).not.toContain(key);
  });

  test.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--port', 'http'], '--port must be an integer from 0 to 65535'],
    [['--port', '70000'], '--port must be an integer from 0 to 65535'],
    [['--plan', 'platinum'], '--plan must be free, starter, growth or pro'],
    [['positional'], 'positional'],
  ])('%j is a usage error: exit 2', async (args, message) => {
    const cli = runCli(args);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toContain(message);
    expect(cli.stderr()).toContain('Usage: auditledge-local');
  });

  test('a malformed --api-key fails to start with exit 1', async () => {
    const cli = runCli(['--port', '0', '--db', ':memory:', '--api-key', 'secret-123']);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr()).toContain('apiKey must be "al_"');
    expect(cli.stderr()).not.toContain('secret-123');
  });

  test('--help prints every flag and exits 0', async () => {
    const cli = runCli(['--help']);
    expect(await cli.exit).toBe(0);
    for (const flag of ['--port', '--host', '--db', '--api-key', '--plan', 'AUDITLEDGE_LOCAL_API_KEY']) {
      expect(cli.stdout()).toContain(flag);
    }
  });

  test('--version prints the version in package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const cli = runCli([flag]);
      expect(await cli.exit).toBe(0);
      expect(cli.stdout()).toBe(`${version}\n`);
    }
  });

  test('a port in use: the error names the port and --port, no stack', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const cli = runCli(['--port', String(port), '--db', ':memory:']);
      expect(await cli.exit).toBe(1);
      expect(cli.stderr()).toContain(`port ${port}`);
      expect(cli.stderr()).toContain('--port');
      expect(cli.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test('a database that cannot be opened: the error names the path and --db', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditledge-cli-'));
    dirs.push(dir);
    const notADatabase = join(dir, 'notes.db');
    writeFileSync(
      notADatabase,
      'this is not a SQLite file, but it is long enough to be read as a header '.repeat(20),
    );
    const cli = runCli(['--port', '0', '--db', notADatabase]);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr()).toContain(notADatabase);
    expect(cli.stderr()).toContain('--db');
    expect(cli.stderr()).not.toMatch(/\n\s+at /);
  });

  test('piped into a reader that goes away (| head): no EPIPE stack, and SIGTERM still exits 0', async () => {
    // A port that was free a moment ago: the banner cannot be read, so we name the port ourselves.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const cli = runCli(['--port', String(port), '--db', ':memory:']);
    cli.child.stdout?.destroy(); // the reader is gone before the banner is written
    let up = false;
    while (!up && cli.child.exitCode === null) {
      up = await fetch(`http://127.0.0.1:${port}/health`).then(
        (res) => res.ok,
        () => false,
      );
    }
    expect(up).toBe(true); // it kept running after the failed writes
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).not.toContain('EPIPE');
    expect(cli.stderr()).not.toMatch(/\n\s+at /);
  });
});
