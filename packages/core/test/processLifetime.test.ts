// What a plain Node process does around the client: an awaited call holds it until it settles,
// queued events alone do not hold it, and events are not lost silently when it ends.
import { afterEach, describe, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../test/support/scriptedApi.js';
import { EVENT, runScript } from './childScript.js';

let api: ScriptedApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Client options for the child; the flush timer never fires, so only an immediate send delivers. */
const opts = (extra = '') =>
  `{ baseUrl: ${JSON.stringify(api!.url)}, flushInterval: 60000, flushAt: 1000, retryBaseDelay: 50, maxRetryDelay: 100${extra} }`;

/** The API fails the first `n` requests with 503, then behaves. */
const failFirst = (n: number) => (req: { n: number }) => (req.n <= n ? { status: 503 } : undefined);

describe.each(['esm', 'cjs'] as const)('%s script', (kind) => {
  test('`await log()` sends at once, holds the process until stored, and the next line runs', async () => {
    api = await startScriptedApi();
    const out = await runScript(
      kind,
      `const stored = await new AuditLedge('al_child', ${opts()}).log(${EVENT});
       console.log('after', stored.resource_id);`,
    );
    expect(out.stderr).toBe('');
    expect(out).toMatchObject({ code: 0, stdout: 'after inv_1\n' });
    expect(api.stored).toHaveLength(1);
  });

  test('`await log()` holds the process through a retry backoff', async () => {
    api = await startScriptedApi(failFirst(2));
    const out = await runScript(
      kind,
      `const stored = await new AuditLedge('al_child', ${opts()}).log(${EVENT});
       console.log('after', stored.resource_id);`,
    );
    expect(out).toMatchObject({ code: 0, stdout: 'after inv_1\n' });
    expect(api.received).toHaveLength(3);
  });

  test('`await flush()` holds the process through a retry backoff', async () => {
    api = await startScriptedApi(failFirst(1));
    const out = await runScript(
      kind,
      `const audit = new AuditLedge('al_child', ${opts()});
       audit.enqueue(${EVENT});
       await audit.flush();
       console.log('flushed', audit.stats().delivered);`,
    );
    expect(out).toMatchObject({ code: 0, stdout: 'flushed 1\n' });
  });

  test('`await flush({ timeout })` with the API down resolves at its deadline and the next line runs', async () => {
    api = await startScriptedApi(() => 'stall');
    const out = await runScript(
      kind,
      `const audit = new AuditLedge('al_child', ${opts(', exitFlushTimeout: 0')});
       audit.enqueue(${EVENT});
       await audit.flush({ timeout: 100 });
       const { delivered, queued, inFlight } = audit.stats();
       console.log('after', delivered, queued + inFlight);
       await audit.shutdown({ timeout: 0 });`,
    );
    // Still undelivered (in flight, or with a delivery worker still starting, queued).
    expect(out).toMatchObject({ code: 0, stdout: 'after 0 1\n' });
  });

  test('`await shutdown()` holds the process through a retry backoff', async () => {
    api = await startScriptedApi(failFirst(1));
    const out = await runScript(
      kind,
      `const audit = new AuditLedge('al_child', ${opts()});
       audit.enqueue(${EVENT});
       const report = await audit.shutdown({ timeout: 10000 });
       console.log(JSON.stringify(report));`,
    );
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ delivered: 1, dropped: 0, pending: 0, undelivered: [] });
  });

  test('a script that ends right after its last enqueue() delivers every event', async () => {
    api = await startScriptedApi();
    const out = await runScript(
      kind,
      `const audit = new AuditLedge('al_child', ${opts()});
       for (let i = 0; i < 10; i++) audit.enqueue({ ...${EVENT}, resource: { type: 'invoice', id: 'inv_' + i } });`,
    );
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(api.stored).toHaveLength(10);
  });

  test('queued events never keep an idle process alive: past exitFlushTimeout they go to onDrop', async () => {
    api = await startScriptedApi(() => 'stall');
    const out = await runScript(
      kind,
      `const audit = new AuditLedge('al_child', ${opts(`, exitFlushTimeout: 200, onDrop: (e, reason) => console.log('dropped', e.event.resource.id, reason)`)});
       audit.enqueue(${EVENT});`,
    );
    expect(out).toMatchObject({ code: 0, stdout: 'dropped inv_1 shutdown\n' });
  });

  test('process.exit() with events queued hands them to onDrop synchronously', async () => {
    api = await startScriptedApi();
    const out = await runScript(
      kind,
      // exitFlushTimeout 0: a delivery worker would otherwise still deliver it (worker.test.ts).
      `const audit = new AuditLedge('al_child', ${opts(`, exitFlushTimeout: 0, onDrop: (e, reason) => process.stdout.write('dropped ' + e.event.resource.id + ' ' + reason + '\\n')`)});
       audit.enqueue(${EVENT});
       process.exit(3);`,
    );
    expect(out).toMatchObject({ code: 3, stdout: 'dropped inv_1 shutdown\n' });
    expect(api.stored).toHaveLength(0);
  });

  test('without onDrop the loss is still heard: one warning line on stderr, at process.exit() and at a natural end', async () => {
    api = await startScriptedApi(() => 'stall');
    const atExit = await runScript(
      kind,
      `const audit = new AuditLedge('al_child_secret_key', ${opts()});
       audit.enqueue(${EVENT});
       audit.enqueue(${EVENT});
       process.exit(3);`,
    );
    expect(atExit.code).toBe(3);
    expect(atExit.stderr).toMatch(
      /^\(node:\d+\) \[AUDITLEDGE_UNDELIVERED_AT_EXIT\] AuditledgeWarning: 2 audit events were still undelivered when the process ended: await client\.shutdown\(\) before it ends \(or pass onDrop to keep them\)\n$/,
    );
    const atEnd = await runScript(
      kind,
      `const audit = new AuditLedge('al_child_secret_key', ${opts(', exitFlushTimeout: 200')});
       audit.enqueue(${EVENT});`,
    );
    expect(atEnd.code).toBe(0);
    expect(atEnd.stderr).toMatch(
      /\[AUDITLEDGE_UNDELIVERED_AT_EXIT\] AuditledgeWarning: 1 audit event was still undelivered/,
    );
    expect(atEnd.stderr.match(/AUDITLEDGE_UNDELIVERED_AT_EXIT/g)).toHaveLength(1);
    for (const out of [atExit, atEnd]) expect(out.stdout + out.stderr).not.toContain('secret');
  });

  test('without onDrop but with onError, the loss at exit is one AL_ERR_DROPPED report, and nothing on stderr', async () => {
    api = await startScriptedApi(() => 'stall');
    const out = await runScript(
      kind,
      `const audit = new AuditLedge('al_child', ${opts(`, onError: (e, c) => process.stdout.write(e.code + ' ' + c.reason + ' ' + e.message + '\\n')`)});
       audit.enqueue(${EVENT});
       process.exit(0);`,
    );
    expect(out).toMatchObject({
      code: 0,
      stderr: '',
      stdout:
        'AL_ERR_DROPPED shutdown 1 audit event was still undelivered when the process ended: await client.shutdown() before it ends (or pass onDrop to keep them)\n',
    });
  });
});
