// `delivery: 'worker'`: what only the worker mode does. Everything else it shares with in-thread
// delivery is the whole core suite, run a second time with AUDITLEDGE_DELIVERY=worker (the
// `core (worker)` vitest project).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import {
  AuditLedge,
  type AuditLedgeError,
  AuditLedgeValidationError,
  type ErrorContext,
} from '../src/index.js';
import { EVENT, runScript } from './childScript.js';
import { client, event, expectInvariant, KEY } from './helpers.js';

const builtWorker = fileURLToPath(new URL('../dist/deliveryWorker.js', import.meta.url));
const builtIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));
/** The banner the README gives for ESM bundles: undici, bundled in, calls `require`. */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** esbuild, as tsup (a dev dependency) has it. */
const esbuild = () =>
  createRequire(createRequire(import.meta.url).resolve('tsup'))('esbuild') as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };

let api: ScriptedApi | undefined;
let audit: AuditLedge | undefined;
afterEach(async () => {
  await audit?.shutdown({ timeout: 0 });
  audit = undefined;
  await api?.close();
  api = undefined;
});

const childOpts = (extra = '') =>
  `{ baseUrl: ${JSON.stringify(api!.url)}, delivery: 'worker', flushAt: 1${extra} }`;

describe("delivery: 'worker'", () => {
  test('delivers from another thread: the API gets the event while the app thread is blocked', async () => {
    let arrived = 0;
    api = await startScriptedApi(() => {
      arrived = Date.now();
      return undefined;
    });
    // The child blocks its only JS thread for 3 s right after handing the event over: an
    // in-thread client could not send it before the block ends.
    const out = await runScript(
      'esm',
      `const audit = new AuditLedge('al_child', ${childOpts()});
       audit.enqueue(${EVENT});
       await new Promise((r) => setImmediate(r));
       const from = Date.now();
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
       console.log(JSON.stringify({ from, to: Date.now(), stats: audit.stats() }));
       await audit.shutdown();`,
    );
    expect(out.stderr).toBe('');
    const { from, to, stats } = JSON.parse(out.stdout) as {
      from: number;
      to: number;
      stats: { delivered: number };
    };
    expect(api.stored).toHaveLength(1);
    expect(arrived).toBeGreaterThan(from);
    expect(arrived).toBeLessThan(to);
    // Counted on the app's thread only once it ran again and heard from the worker.
    expect(stats.delivered).toBe(0);
  });

  test('process.exit() right after enqueue() still delivers: the exit waits for the worker', async () => {
    api = await startScriptedApi();
    const out = await runScript(
      'cjs',
      `const audit = new AuditLedge('al_child', ${childOpts(', flushAt: 1000, flushInterval: 60000')});
       for (let i = 0; i < 50; i++) audit.enqueue(${EVENT});
       process.exit(0);`,
    );
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(api.received.filter((r) => r.method === 'POST')).toHaveLength(50);
  });

  test('the wait at exit is bounded by exitFlushTimeout, and what is left is heard of', async () => {
    api = await startScriptedApi(() => 'stall');
    const out = await runScript(
      'esm',
      `const audit = new AuditLedge('al_child', ${childOpts(', exitFlushTimeout: 300')});
       audit.enqueue(${EVENT});
       audit.enqueue(${EVENT});
       process.exit(0);`,
      10_000,
    );
    // Not killed: it ended on its own, and said what it could not deliver.
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('[AUDITLEDGE_UNDELIVERED_AT_EXIT]');
    expect(out.stderr).toContain('2 audit events were still undelivered');
  });

  test('a worker that dies hands its events to an in-thread queue: nothing lost, counted, reported', async () => {
    // Nothing the worker sends gets an answer; it crashes 400 ms after it starts.
    let crashed = false;
    api = await startScriptedApi(() => (crashed ? undefined : 'stall'));
    const dir = mkdtempSync(join(tmpdir(), 'auditledge-worker-'));
    const crashing = join(dir, 'crashingWorker.mjs');
    writeFileSync(
      crashing,
      `await import(${JSON.stringify(pathToFileURL(builtWorker).href)});
       setTimeout(() => { throw new Error('worker boom'); }, 400);`,
    );
    const errors: [AuditLedgeError, ErrorContext][] = [];
    audit = client(api.url, {
      delivery: 'worker',
      workerEntry: crashing,
      flushAt: 1,
      onError: (error, context) => {
        errors.push([error, context]);
        crashed ||= error.code === 'AL_ERR_WORKER';
      },
    });
    const awaited = audit.log(event(1));
    audit.enqueue(event(2));
    audit.enqueue(event(3));
    await awaited; // resolved by the in-thread queue after the crash
    await audit.flush();
    const stats = audit.stats();
    expect(stats.worker).toEqual({ state: 'failed', fellBack: 3 });
    expect(stats).toMatchObject({ accepted: 3, delivered: 3, queued: 0, inFlight: 0 });
    expect(api.stored.map((e) => (e.resource as { id: string }).id).sort()).toEqual([
      'inv_1',
      'inv_2',
      'inv_3',
    ]);
    const failure = errors.find(([e]) => e.code === 'AL_ERR_WORKER');
    expect(failure?.[0].message).toMatch(/worker boom.*3 undelivered event/);
    // Later events go in-thread too.
    audit.enqueue(event(4));
    await audit.flush();
    expect(audit.stats()).toMatchObject({ accepted: 4, delivered: 4 });
    expectInvariant(audit);
  });

  test('clients share the thread, not their queues: one shut down, the other still delivers', async () => {
    api = await startScriptedApi();
    const a = client(api.url, { delivery: 'worker' });
    audit = client(api.url, { delivery: 'worker' });
    await Promise.all([a.log(event(1)), audit.log(event(2))]);
    expect((await a.shutdown()).delivered).toBe(1);
    expect(a.stats().worker?.state).toBe('stopped');
    await audit.log(event(3));
    audit.enqueue(event(4));
    await audit.flush();
    expect(audit.stats()).toMatchObject({ accepted: 3, delivered: 3, worker: { state: 'running' } });
    expect(a.stats()).toMatchObject({ accepted: 1, delivered: 1 });
    expect(api.stored).toHaveLength(4);
  });

  test('bundled: an ESM app and the worker bundled by esbuild as the README says deliver with no node_modules', async () => {
    api = await startScriptedApi();
    const dir = mkdtempSync(join(tmpdir(), 'auditledge-bundle-'));
    const app = join(dir, 'app.src.mjs');
    writeFileSync(
      app,
      `import { AuditLedge } from ${JSON.stringify(builtIndex)};
       import path from 'node:path';
       const audit = new AuditLedge('al_bundled', {
         baseUrl: process.env.API_URL,
         workerEntry: path.resolve('dist/auditledge-worker.cjs'),
       });
       await audit.log({ actor: { id: 'u_1' }, action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_1' } });
       // A read goes from this thread, through the undici bundled into this file.
       const read = await audit.usage().then(() => 'read', (e) => e.code);
       console.log(audit.stats().delivered, audit.stats().worker.state, read);
       await audit.shutdown();`,
    );
    const common = { bundle: true, platform: 'node', logLevel: 'silent' };
    await esbuild().build({
      ...common,
      entryPoints: [builtWorker],
      format: 'cjs',
      outfile: join(dir, 'dist/auditledge-worker.cjs'),
    });
    await esbuild().build({
      ...common,
      entryPoints: [app],
      format: 'esm',
      outfile: join(dir, 'dist/app.mjs'),
      banner: { js: ESM_REQUIRE_BANNER },
    });
    // Not spawnSync: the scripted API answering it runs on this process's event loop.
    const out = await promisify(execFile)(process.execPath, ['dist/app.mjs'], {
      cwd: dir,
      // The default delivery, whatever this project sets.
      env: { ...process.env, API_URL: api.url, AUDITLEDGE_DELIVERY: '' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(out.stderr).toBe('');
    // The scripted API answers GET /v1/usage with a 404: an HTTP answer, so the request went out.
    expect(out.stdout).toBe('1 running AL_ERR_NOT_FOUND\n');
    expect(api.stored).toHaveLength(1);
  });

  // Linux: the thread count is read from /proc.
  test.runIf(process.platform === 'linux')(
    'clients dropped without shutdown() are collected, and the thread ends with the last of them',
    async () => {
      api = await startScriptedApi();
      const out = await runScript(
        'esm',
        `const { readdirSync } = await import('node:fs');
         const v8 = await import('node:v8');
         const vm = await import('node:vm');
         v8.setFlagsFromString('--expose-gc');
         const gc = vm.runInNewContext('gc');
         const threads = () => readdirSync('/proc/self/task').length;
         const before = threads();
         // A client per request, never shut down: the mistake this must survive.
         const useAndDrop = async (i) => {
           const audit = new AuditLedge('al_child', { baseUrl: ${JSON.stringify(api.url)}, delivery: 'worker' });
           await audit.log({ actor: { id: 'u_1' }, action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_' + i } });
         };
         for (let i = 0; i < 50; i++) await useAndDrop(i);
         const during = threads();
         for (let k = 0; k < 20 && threads() > before; k++) {
           gc();
           await new Promise((r) => setTimeout(r, 50));
         }
         console.log(JSON.stringify({ added: during - before, left: threads() - before }));`,
      );
      expect(out.stderr).toBe('');
      expect(JSON.parse(out.stdout)).toEqual({ added: 1, left: 0 });
      expect(api.stored).toHaveLength(50);
    },
  );

  test('workerEntry: the CJS build of the worker, named by path, works for an ESM app too', async () => {
    api = await startScriptedApi();
    audit = client(api.url, {
      delivery: 'worker',
      workerEntry: fileURLToPath(new URL('../dist/deliveryWorker.cjs', import.meta.url)),
    });
    await audit.log(event(1));
    expect(audit.stats()).toMatchObject({ delivered: 1, worker: { state: 'running', fellBack: 0 } });
  });

  test('errors the worker builds reach onError with their code, and never hold the key', async () => {
    api = await startScriptedApi(() => ({
      status: 401,
      body: { error: { code: 'unauthorized', message: `bad key ${KEY}` } },
    }));
    const errors: AuditLedgeError[] = [];
    audit = client(api.url, { delivery: 'worker', onError: (error) => void errors.push(error) });
    audit.enqueue(event(1));
    await vi.waitFor(() => expect(audit!.stats().state).toBe('unauthorized'));
    const unauthorized = errors.find((e) => e.code === 'AL_ERR_UNAUTHORIZED');
    expect(unauthorized?.status).toBe(401);
    expect(JSON.stringify(errors.map((e) => [e.message, String(e.cause)]))).not.toContain(KEY);
  });

  test('bad delivery options are refused, naming the option', () => {
    expect(() => new AuditLedge(KEY, { delivery: 'threads' as never })).toThrow(
      expect.objectContaining({ field: 'options.delivery' }),
    );
    expect(
      () =>
        new AuditLedge(KEY, {
          delivery: 'worker',
          transport: { request: async () => ({ status: 201, headers: {}, body: '{}' }) },
        }),
    ).toThrow(/options\.delivery.*options\.transport/);
    expect(() => new AuditLedge(KEY, { delivery: 'worker', workerEntry: 42 as never })).toThrow(
      AuditLedgeValidationError,
    );
    expect(() => new AuditLedge(KEY, { workerEntry: '/nonexistent/auditledge-worker.cjs' })).toThrow(
      expect.objectContaining({
        field: 'options.workerEntry',
        message: expect.stringContaining('names no file'),
      }),
    );
  });
});
