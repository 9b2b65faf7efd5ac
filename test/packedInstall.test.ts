// New users install from the registry, not from this workspace. This suite packs @auditledge/core
// and @auditledge/express as they would be published (`pnpm pack` rewrites `workspace:` ranges),
// npm-installs the tarballs into an empty project next to express@5 and resolve@1 (the resolver of
// jest <= 27, which ignores `exports`), and runs plain `node` scripts there against the local API.
//
// Flaky by nature: `npm install` fetches express and resolve from the npm registry (a warm npm
// cache is enough, thanks to --prefer-offline). Unreachable, it fails with a message saying so.
// Builds nothing: it packs the dist/ that `pnpm build` (CI, `npm test`) wrote.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLedge, type StoredEvent } from '@auditledge/core';
import { type LocalServer, startLocalServer } from '@auditledge/local';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
/** npm is killed past this, so a registry that never answers fails the suite with a clear message. */
const INSTALL_LIMIT_MS = 90_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** The environment of every child: ours minus any AUDITLEDGE_* a developer may have set. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.entries(process.env).filter(([name]) => !name.startsWith('AUDITLEDGE_'));
  return { ...Object.fromEntries(clean), ...extra };
}

interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Kills the child past this many ms (a guard against hanging, not an assertion). */
  timeout?: number;
  onStdout?: (stdout: string) => void;
}

function start(command: string, args: string[], options: RunOptions) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? env(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.timeout ? { timeout: options.timeout } : {}),
  });
  children.add(child);
  const done = new Promise<Run>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

const run = (command: string, args: string[], options: RunOptions) => start(command, args, options).done;

/** The first ```ts block of a README: its quickstart. */
function quickstart(readme: string): string {
  const code = /^```ts\n([\s\S]*?)^```$/m.exec(readFileSync(join(root, readme), 'utf8'))?.[1];
  if (!code) throw new Error(`${readme} has no ts block`);
  return code;
}

describe('the packed tarballs in a fresh npm project (needs the npm registry or a warm npm cache)', () => {
  let work: string;
  let project: string;
  let project26: string;
  let local: LocalServer;
  const readers: AuditLedge[] = [];

  beforeAll(async () => {
    for (const file of ['core/dist/adapter.cjs', 'express/dist/index.cjs']) {
      if (!existsSync(join(root, 'packages', file)))
        throw new Error(`packages/${file} missing: pnpm build first`);
    }
    work = mkdtempSync(join(tmpdir(), 'auditledge-packed-'));
    const tarballs = join(work, 'tarballs');
    project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true }));
    for (const name of ['core', 'express']) {
      const packed = await run('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: join(root, 'packages', name),
      });
      expect(packed.code, `pnpm pack of @auditledge/${name}\n${packed.stderr}`).toBe(0);
    }
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    expect(files).toHaveLength(2);

    const args = [
      'install',
      ...files,
      'express@5',
      'resolve@1',
      'jest@27',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      // One retry, soon, instead of npm's default of two spread over a minute or more: a registry
      // that refuses connections fails the suite in seconds, with npm's own error.
      '--fetch-retries=1',
      '--fetch-retry-mintimeout=2000',
      '--fetch-retry-maxtimeout=5000',
      '--fetch-timeout=30000',
    ];
    // A second app on jest 26, in its own directory (jest resolves its environment from the
    // project, so next to jest 27 it would run 27's), with the Express it can load (Express 5's
    // body-parser needs node: built-ins that jest 26 cannot resolve).
    project26 = join(work, 'app26');
    mkdirSync(project26);
    writeFileSync(join(project26, 'package.json'), JSON.stringify({ name: 'fresh-app-26', private: true }));
    const older: Record<string, string> = { 'express@5': 'express@4', 'jest@27': 'jest@26' };
    const args26 = args.filter((arg) => arg !== 'resolve@1').map((arg) => older[arg] ?? arg);
    for (const [dir, npmArgs] of [
      [project, args],
      [project26, args26],
    ] as const) {
      const installed = await run('npm', [...npmArgs], { cwd: dir, timeout: INSTALL_LIMIT_MS });
      if (installed.code !== 0) {
        const why = installed.signal ? `was killed after ${INSTALL_LIMIT_MS / 1000} s` : 'failed';
        throw new Error(
          `npm install ${why}. This suite needs the npm registry (or a warm npm cache) for express, ` +
            `resolve and jest; is the registry reachable?\n${installed.stderr.slice(-2_000)}`,
        );
      }
    }
    local = await startLocalServer({ port: 0, db: ':memory:' });
  }, 150_000);

  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  afterAll(async () => {
    await Promise.all(readers.map((reader) => reader.shutdown()));
    await local?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A new account of the local API (so each case reads only its own events), and its key. */
  function account() {
    const { apiKey } = local.createAccount();
    const reader = new AuditLedge(apiKey, { baseUrl: local.url });
    readers.push(reader);
    return { apiKey, reader, childEnv: env({ AUDITLEDGE_API_KEY: apiKey, AUDITLEDGE_BASE_URL: local.url }) };
  }

  /** Writes `source` into the fresh project and runs it with plain node. */
  function node(file: string, source: string, options: { env: NodeJS.ProcessEnv }) {
    writeFileSync(join(project, file), source);
    return run(process.execPath, [file], { cwd: project, env: options.env });
  }

  const event = (action: string) =>
    `{ actor: { id: 'user_1' }, action: '${action}', resource: { type: 'invoice', id: 'inv_1' } }`;

  function expectClean(result: Run, apiKey: string) {
    // First, so that no failure message below can print the key.
    expect(`${result.stdout}${result.stderr}`.includes(apiKey)).toBe(false);
    expect(result, result.stderr).toMatchObject({ code: 0, signal: null });
  }

  test('ESM: an awaited log() resolves with the stored event, and the process exits by itself', async () => {
    const { apiKey, reader, childEnv } = account();
    const result = await node(
      'log.mjs',
      `import { AuditLedge } from '@auditledge/core';
       const key = process.env.AUDITLEDGE_API_KEY;
       const baseUrl = process.env.AUDITLEDGE_BASE_URL;
       const e = await new AuditLedge(key, { baseUrl }).log(${event('invoice.sent')});
       console.log(e.id);`,
      { env: childEnv },
    );
    expectClean(result, apiKey);
    const stored = await reader.get(result.stdout.trim());
    expect(stored).toMatchObject({ action: 'invoice.sent', resource_id: 'inv_1', actor_id: 'user_1' });
  }, 30_000);

  test('CJS: log().then() resolves with the stored event, and the process exits by itself', async () => {
    const { apiKey, reader, childEnv } = account();
    const result = await node(
      'log.cjs',
      `const { AuditLedge } = require('@auditledge/core');
       const key = process.env.AUDITLEDGE_API_KEY;
       const baseUrl = process.env.AUDITLEDGE_BASE_URL;
       new AuditLedge(key, { baseUrl }).log(${event('invoice.paid')}).then((e) => console.log(e.id));`,
      { env: childEnv },
    );
    expectClean(result, apiKey);
    const stored = await reader.get(result.stdout.trim());
    expect(stored).toMatchObject({ action: 'invoice.paid', resource_id: 'inv_1', actor_id: 'user_1' });
  }, 30_000);

  test('CJS Express app: DELETE /invoices/inv_1, close, shut the client down: invoice.deleted is in the trail', async () => {
    const { apiKey, reader, childEnv } = account();
    // The wiring of the express README: auditMiddleware() from the environment, then on the way
    // out server.close() and audit.client.shutdown().
    const result = await node(
      'express-app.cjs',
      `const http = require('node:http');
       const express = require('express');
       const { auditMiddleware } = require('@auditledge/express');
       const app = express();
       const audit = auditMiddleware();
       app.use(audit);
       app.delete('/invoices/:id', (req, res) => res.sendStatus(204));
       const server = app.listen(0, '127.0.0.1', () => {
         const { port } = server.address();
         const req = http.request({ host: '127.0.0.1', port, method: 'DELETE', path: '/invoices/inv_1' }, (res) => {
           console.log(res.statusCode);
           res.resume();
           res.on('end', () => server.close(() => audit.client.shutdown().then((report) => console.log(report.delivered))));
         });
         req.end();
       });`,
      { env: childEnv },
    );
    expectClean(result, apiKey);
    expect(result.stdout.split('\n')).toEqual(['204', '1', '']);
    await expectDeleted(reader);
  }, 30_000);

  test("the express README's quickstart, as written: a DELETE, then SIGTERM; exits 0 with the event delivered", async () => {
    const { apiKey, reader, childEnv } = account();
    const source = quickstart('packages/express/README.md');
    expect(source).toContain('app.listen(3000)');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    // Not the app's code: the quickstart listens on 3000, which may be taken here; this preload
    // hands it a free port instead and prints which.
    writeFileSync(
      join(project, 'free-port.mjs'),
      `import net from 'node:net';
       const listen = net.Server.prototype.listen;
       net.Server.prototype.listen = function (...args) {
         if (args[0] === 3000) args[0] = 0;
         this.once('listening', () => console.log('listening on ' + this.address().port));
         return listen.apply(this, args);
       };`,
    );
    writeFileSync(join(project, 'quickstart.mjs'), js);
    let listening!: (port: number) => void;
    const port = new Promise<number>((resolve) => {
      listening = resolve;
    });
    const app = start(process.execPath, ['--import', './free-port.mjs', 'quickstart.mjs'], {
      cwd: project,
      env: childEnv,
      onStdout(out) {
        const found = /listening on (\d+)/.exec(out)?.[1];
        if (found) listening(Number(found));
      },
    });
    const exitedEarly = app.done.then((r) => {
      throw new Error(`the quickstart exited before listening\n${r.stderr}`);
    });
    const status = await deleteInvoice(await Promise.race([port, exitedEarly]));
    expect(status).toBe(204);
    // What the quickstart's signal handlers are for: close the server, shut the client down, exit.
    app.child.kill('SIGTERM');
    const result = await app.done;
    expectClean(result, apiKey);
    await expectDeleted(reader);
  }, 30_000);

  test('resolve@1 (jest <= 27) finds @auditledge/core/adapter and /testing, the files exports names', async () => {
    const { apiKey, childEnv } = account();
    const result = await node(
      'resolve.cjs',
      `const resolve = require('resolve');
       const out = {};
       for (const sub of ['adapter', 'testing']) {
         const id = '@auditledge/core/' + sub;
         out[sub] = { legacy: resolve.sync(id, { basedir: __dirname }), node: require.resolve(id) };
       }
       console.log(JSON.stringify(out));`,
      { env: childEnv },
    );
    expectClean(result, apiKey);
    const found = JSON.parse(result.stdout) as Record<string, { legacy: string; node: string }>;
    for (const sub of ['adapter', 'testing']) {
      const expected = join(project, 'node_modules', '@auditledge', 'core', 'dist', `${sub}.cjs`);
      expect(found[sub]).toEqual({ legacy: expected, node: expected });
      expect(existsSync(expected)).toBe(true);
    }
  }, 30_000);

  // An app on jest 26 or 27: its runner resolves no `exports` (the stubs above); its node
  // environment has no ReadableStream, which undici needs when it loads (core loads undici on the
  // first request only, so test mode never does), and jest 26's has no global `performance` (core
  // imports it); under jsdom (jest 26's default) timers are numbers, with no unref(). Both
  // environments, as an app's own test file would run.
  test.each([
    ['27', 'node'],
    ['27', 'jsdom'],
    ['26', 'node'],
    ['26', 'jsdom'],
  ])(
    'an app on jest %s (%s environment) tests in test mode: the DELETE is in the trail',
    async (version, environment) => {
      const dir = version === '26' ? project26 : project;
      const file = `audit-${environment}.test.js`;
      writeFileSync(
        join(dir, file),
        `const http = require('http');
       const express = require('express');
       const { auditMiddleware } = require('@auditledge/express');
       const { sharedAuditTrail } = require('@auditledge/core/testing');
       test('DELETE /invoices/:id is audited', async () => {
         const app = express();
         app.use(auditMiddleware());
         app.delete('/invoices/:id', (req, res) => res.status(204).end());
         const server = app.listen(0, '127.0.0.1');
         await new Promise((resolve) => server.once('listening', resolve));
         await new Promise((resolve, reject) => {
           const req = http.request({ host: '127.0.0.1', port: server.address().port, method: 'DELETE', path: '/invoices/inv_1', agent: false }, (res) => {
             res.resume();
             res.on('end', resolve);
           });
           req.on('error', reject);
           req.end();
         });
         await new Promise((resolve) => server.close(resolve));
         const trail = sharedAuditTrail();
         await trail.flush();
         expect(trail.events.map((e) => [e.action, e.resource.type, e.resource.id])).toEqual([['invoice.deleted', 'invoice', 'inv_1']]);
       });`,
      );
      const result = await run(
        process.execPath,
        [join('node_modules', 'jest', 'bin', 'jest.js'), '--ci', `--env=${environment}`, file],
        { cwd: dir, env: env({ AUDITLEDGE_TEST: '1' }) },
      );
      const output = `${result.stdout}${result.stderr}`;
      expect(result.code, output).toBe(0);
      expect(output).toMatch(/Tests:\s+1 passed, 1 total/);
      expect(output).not.toMatch(/AUDITLEDGE_|AuditLedgeWarning/);
    },
    60_000,
  );
});

/** One DELETE /invoices/inv_1 on a fresh connection (closed after, so server.close() is not held up). */
function deleteInvoice(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'DELETE', path: '/invoices/inv_1', agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function expectDeleted(reader: AuditLedge) {
  const { events } = await reader.query({ action: 'invoice.deleted' });
  expect(events.map((e: StoredEvent) => [e.action, e.resource_type, e.resource_id])).toEqual([
    ['invoice.deleted', 'invoice', 'inv_1'],
  ]);
}
