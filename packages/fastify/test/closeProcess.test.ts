// `await app.close()` in a real process whose audit API is down: the bounded flush holds the
// process until its deadline, so the line after it runs and the app can shut its client down.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const plugin = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const core = fileURLToPath(new URL('../../core/src/index.ts', import.meta.url));
// Maps @auditledge/core to its sources for tsx, so the child runs the code under test.
const tsconfig = fileURLToPath(new URL('../../../test/faults/fixtures/tsconfig.json', import.meta.url));

/** A port nothing listens on: the API refuses every connection. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function run(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
    cwd: pkgDir,
    env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig, AUDITLEDGE_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

test('API down, a client the app passed: `await app.close()` resolves and its shutdown reports the event', async () => {
  const baseUrl = await refusedUrl();
  const out = await run(`
    import Fastify from 'fastify';
    import { AuditLedge } from ${JSON.stringify(core)};
    import auditledge from ${JSON.stringify(plugin)};
    const client = new AuditLedge('al_child', {
      baseUrl: ${JSON.stringify(baseUrl)}, flushInterval: 5, retryBaseDelay: 20, maxRetryDelay: 50, maxRetries: 100000,
      onDrop: (e, reason) => console.log('onDrop', e.event.resource.id, reason),
    });
    const app = Fastify();
    await app.register(auditledge, { client, shutdownTimeout: 200 });
    app.delete('/invoices/:id', async (_request, reply) => reply.code(204).send());
    await app.inject({ method: 'DELETE', url: '/invoices/inv_1' });
    await app.close();
    console.log('closed');
    const report = await client.shutdown({ timeout: 0 });
    console.log('pending', report.pending);
  `);
  expect(out.stderr).toBe('');
  expect(out).toMatchObject({ code: 0, stdout: 'closed\nonDrop inv_1 shutdown\npending 1\n' });
});

test('API down, the plugin’s own client: `await app.close()` resolves within shutdownTimeout and onDrop hears', async () => {
  const baseUrl = await refusedUrl();
  const out = await run(`
    import Fastify from 'fastify';
    import auditledge from ${JSON.stringify(plugin)};
    const app = Fastify();
    await app.register(auditledge, {
      apiKey: 'al_child', baseUrl: ${JSON.stringify(baseUrl)}, shutdownTimeout: 200,
      flushInterval: 5, retryBaseDelay: 20, maxRetryDelay: 50, maxRetries: 100000,
      onDrop: (e, reason) => console.log('onDrop', e.event.resource.id, reason),
    });
    app.delete('/invoices/:id', async (_request, reply) => reply.code(204).send());
    await app.inject({ method: 'DELETE', url: '/invoices/inv_1' });
    await app.close();
    console.log('closed');
  `);
  expect(out.stderr).toBe('');
  expect(out).toMatchObject({ code: 0, stdout: 'onDrop inv_1 shutdown\nclosed\n' });
});

test('a bad shutdownTimeout is refused at register(), naming the option', async () => {
  const { default: Fastify } = await import('fastify');
  const { default: auditledge } = await import('../src/index.js');
  const app = Fastify();
  await expect(
    app.register(auditledge, { apiKey: 'al_x', baseUrl: 'http://127.0.0.1:9', shutdownTimeout: -1 }),
  ).rejects.toMatchObject({ code: 'AL_ERR_VALIDATION', field: 'options.shutdownTimeout' });
});
