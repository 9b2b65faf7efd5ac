// New users install from the registry, not from this workspace. This suite packs @auditledge/core
// and @auditledge/express as they would be published (`pnpm pack` rewrites `workspace:` ranges),
// npm-installs the tarballs into an empty project next to express@5 and resolve@1 (the resolver of
// jest <= 27, which ignores `exports`), and runs plain `node` scripts there against the local API.
//
// Flaky by nature: `npm install` fetches express and resolve from the npm registry (a warm npm
// cache is enough, thanks to --prefer-offline). Unreachable, it fails with a message saying so.
// Builds nothing: it packs the dist/ that `pnpm build` (CI, `npm test`) wrote.
//
// @auditledge/nestjs the same way, in two more projects with the real Nest packages: Nest 11 on
// platform-express (CommonJS, compiled as `nest build` emits it: tsc with legacy decorators) and
// Nest 12 (published as ESM only) on platform-fastify, from an ESM app and from a CommonJS one
// (this package's CJS build then loads Nest through require() of ES modules, Node >= 20.19).
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
  /** Nest 11, platform-express, a CommonJS app. */
  let nest11: string;
  /** Nest 12 (ESM only), platform-fastify. */
  let nest12: string;
  let tarballFiles: string[];
  let local: LocalServer;
  const readers: AuditLedge[] = [];

  beforeAll(async () => {
    for (const file of ['core/dist/adapter.cjs', 'express/dist/index.cjs', 'nestjs/dist/index.cjs']) {
      if (!existsSync(join(root, 'packages', file)))
        throw new Error(`packages/${file} missing: pnpm build first`);
    }
    work = mkdtempSync(join(tmpdir(), 'auditledge-packed-'));
    const tarballs = join(work, 'tarballs');
    project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true }));
    for (const name of ['core', 'express', 'nestjs']) {
      const packed = await run('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: join(root, 'packages', name),
      });
      expect(packed.code, `pnpm pack of @auditledge/${name}\n${packed.stderr}`).toBe(0);
    }
    tarballFiles = readdirSync(tarballs).map((file) => join(tarballs, file));
    expect(tarballFiles).toHaveLength(3);
    const nestTarball = tarballFiles.filter((file) => !file.includes('auditledge-express-'));
    const files = tarballFiles.filter((file) => !file.includes('auditledge-nestjs-'));

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
    // The Nest apps: @auditledge/core and /nestjs with the newest Nest of each major the peer
    // ranges claim (and only the platform each app uses: the other is an optional peer).
    nest11 = join(work, 'nest11');
    nest12 = join(work, 'nest12');
    const nestArgs = (major: number, platform: string) => [
      'install',
      ...nestTarball,
      ...args.filter((arg) => arg.startsWith('--')),
      ...['common', 'core', platform].map((name) => `@nestjs/${name}@${major}`),
      'reflect-metadata@0.2',
      'rxjs@7',
    ];
    for (const [dir, type] of [
      [nest11, 'commonjs'],
      [nest12, 'module'],
    ] as const) {
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'fresh-nest-app', private: true, type }),
      );
    }
    for (const [dir, npmArgs] of [
      [project, args],
      [project26, args26],
      [nest11, nestArgs(11, 'platform-express')],
      [nest12, nestArgs(12, 'platform-fastify')],
    ] as const) {
      const installed = await run('npm', [...npmArgs], { cwd: dir, timeout: INSTALL_LIMIT_MS });
      if (installed.code !== 0) {
        const why = installed.signal ? `was killed after ${INSTALL_LIMIT_MS / 1000} s` : 'failed';
        throw new Error(
          `npm install ${why}. This suite needs the npm registry (or a warm npm cache) for express, ` +
            `resolve, jest and @nestjs/*; is the registry reachable?\n${installed.stderr.slice(-2_000)}`,
        );
      }
      // A peer range that does not take the Nest installed is npm's ERESOLVE: an error (above), or
      // a warning where npm overrides the peer. Neither may appear.
      if (dir === nest11 || dir === nest12)
        expect(installed.stderr, npmArgs.join(' ')).not.toMatch(/ERESOLVE/);
    }
    local = await startLocalServer({ port: 0, db: ':memory:' });
  }, 240_000);

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

  /**
   * The README's app, compiled as `nest build` would (tsc, legacy decorators, decorator metadata):
   * DELETE /invoices/:id on the module's own client, which is given a flush interval longer than
   * any test so that only the shutdown hook can deliver the event.
   */
  function nestApp(platform: 'express' | 'fastify', module: 'commonjs' | 'esm'): string {
    const source = `import 'reflect-metadata';
      import { Controller, Delete, HttpCode, Module, Param } from '@nestjs/common';
      import { NestFactory } from '@nestjs/core';
      ${platform === 'fastify' ? "import { FastifyAdapter } from '@nestjs/platform-fastify';" : ''}
      import { AuditLedgeModule } from '@auditledge/nestjs';

      @Controller('invoices')
      class InvoicesController {
        @Delete(':id') @HttpCode(204) remove(@Param('id') id: string) {}
      }

      @Module({
        imports: [AuditLedgeModule.forRoot({ flushAt: 100, flushInterval: 600_000 })],
        controllers: [InvoicesController],
      })
      class AppModule {}

      async function main() {
        const app = await NestFactory.create(AppModule, ${platform === 'fastify' ? 'new FastifyAdapter(), ' : ''}{ logger: ['error', 'warn'] });
        app.enableShutdownHooks();
        await app.listen(0, '127.0.0.1');
        console.log('listening on ' + app.getHttpServer().address().port);
      }
      void main();`;
    return ts.transpileModule(source, {
      compilerOptions: {
        module: module === 'esm' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    }).outputText;
  }

  /** Starts `file` in `dir`, sends the DELETE once it listens, then SIGTERM; resolves when it exited. */
  async function deleteThenTerm(dir: string, file: string, childEnv: NodeJS.ProcessEnv) {
    let listening!: (port: number) => void;
    const port = new Promise<number>((resolve) => {
      listening = resolve;
    });
    const app = start(process.execPath, [file], {
      cwd: dir,
      env: childEnv,
      timeout: 60_000,
      onStdout(out) {
        const found = /listening on (\d+)/.exec(out)?.[1];
        if (found) listening(Number(found));
      },
    });
    const exitedEarly = app.done.then((r) => {
      throw new Error(`${file} exited before listening\n${r.stderr}`);
    });
    expect(await deleteInvoice(await Promise.race([port, exitedEarly]))).toBe(204);
    app.child.kill('SIGTERM');
    return app.done;
  }

  /**
   * Nest's shutdown hooks run the app's close (the module's client delivers what it holds), then
   * re-raise the signal with no listener left: a clean Nest exit on SIGTERM is that signal.
   */
  function expectNestClean(result: Run, apiKey: string) {
    expect(`${result.stdout}${result.stderr}`.includes(apiKey)).toBe(false);
    expect(result, result.stderr).toMatchObject({ code: null, signal: 'SIGTERM', stderr: '' });
  }

  test('Nest 11 CommonJS app on platform-express, as tsc emits it: DELETE, SIGTERM, invoice.deleted is in the trail', async () => {
    const { apiKey, reader, childEnv } = account();
    writeFileSync(join(nest11, 'main.js'), nestApp('express', 'commonjs'));
    const result = await deleteThenTerm(nest11, 'main.js', childEnv);
    expectNestClean(result, apiKey);
    await expectDeleted(reader);
  }, 60_000);

  test('Nest 12 (ESM only) ESM app on platform-fastify: DELETE, SIGTERM, invoice.deleted is in the trail', async () => {
    const { apiKey, reader, childEnv } = account();
    writeFileSync(join(nest12, 'main.mjs'), nestApp('fastify', 'esm'));
    const result = await deleteThenTerm(nest12, 'main.mjs', childEnv);
    expectNestClean(result, apiKey);
    await expectDeleted(reader);
  }, 60_000);

  test('Nest 12 from a CommonJS app: the CJS build of @auditledge/nestjs loads Nest through require(esm)', async () => {
    const { apiKey, reader, childEnv } = account();
    // Which build the app gets, and which Nest: printed by the app itself before it starts.
    const app = nestApp('fastify', 'commonjs').replace(
      'void main();',
      `console.log(require.resolve('@auditledge/nestjs'), require('@nestjs/core/package.json').version);
       void main();`,
    );
    writeFileSync(join(nest12, 'main.cjs'), app);
    const result = await deleteThenTerm(nest12, 'main.cjs', childEnv);
    expectNestClean(result, apiKey);
    const [loaded, version] = result.stdout.split('\n')[0]!.split(' ');
    expect(loaded).toBe(join(nest12, 'node_modules', '@auditledge', 'nestjs', 'dist', 'index.cjs'));
    expect(version).toMatch(/^12\./);
    await expectDeleted(reader);
  }, 60_000);

  // The boundaries of the peer ranges (`^11.0.0 || ^12.0.1`, platform-fastify `^11.0.3 ||
  // ^12.0.1`) resolve without ERESOLVE, and a Nest outside them is refused. Lockfile only: npm
  // reads the packuments and downloads no tarball.
  test.each([
    ['11.0.0', '11.0.3', true],
    ['12.0.1', '12.0.1', true],
    ['10', '10', false],
  ])(
    'npm resolves the nestjs tarball next to Nest %s (platform-fastify %s): accepted %s',
    async (nest, fastify, accepted) => {
      const dir = mkdtempSync(join(work, 'peers-'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'peers', private: true }));
      const result = await run(
        'npm',
        [
          'install',
          '--package-lock-only',
          ...tarballFiles.filter((file) => !file.includes('auditledge-express-')),
          ...['common', 'core', 'platform-express'].map((name) => `@nestjs/${name}@${nest}`),
          `@nestjs/platform-fastify@${fastify}`,
          'reflect-metadata@0.2',
          'rxjs@7',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
        ],
        { cwd: dir, timeout: INSTALL_LIMIT_MS },
      );
      if (!accepted) {
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/ERESOLVE/);
        return;
      }
      expect(result.stderr).not.toMatch(/ERESOLVE/);
      expect(result.code, result.stderr).toBe(0);
      const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { version: string }>;
      };
      expect(lock.packages['node_modules/@nestjs/core']?.version).toBe(nest);
      expect(lock.packages['node_modules/@nestjs/platform-fastify']?.version).toBe(fastify);
    },
    60_000,
  );

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
