// The README's first command (`npm run demo`): the Express, Koa, Fastify and NestJS examples, each in
// its own process, audited into a local Auditledge API on a temporary SQLite file. One scenario
// is driven through each app, the apps are stopped (SIGTERM: each flushes its queue on the way
// out), and the trail is read back with query(), usage() and exportStream(). No account, no network.
// Exits 0 only when every app recorded exactly the events the scenario expects.
// It ends with the trail viewer's URL; `npm run demo -- --keep` keeps the local API (and so the
// viewer, on the demo's trail) running until Ctrl-C.
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { expectedActor, runStep, SCENARIO } from '../examples/shared/src/index.js';
import { AuditLedge, type StoredEvent } from '../packages/core/src/index.js';
import { type LocalServer, startLocalServer } from '../packages/local/src/index.js';
import { type ChildApp, startChildApp } from './demo/childApp.js';
import { bold, cyan, dim, green, red } from './demo/style.js';
import { clock, table } from './demo/table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const APPS = ['express', 'koa', 'fastify', 'nestjs'] as const;
const CSV_PATH = join(root, '.auditledge', 'demo-audit-log.csv');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
const DEADLINE_MS = 55_000;
const KEEP = process.argv.includes('--keep');

// Module-level so the deadline and Ctrl-C can kill them too: the demo leaves no process behind.
const apps: ChildApp[] = [];
const killApps = () => {
  for (const app of apps) app.kill();
};
/** Set while `--keep` holds the local API open: Ctrl-C then closes it instead of exiting at once. */
let release: (() => void) | undefined;

const out = (line = '') => process.stdout.write(`${line}\n`);
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

async function main(): Promise<boolean> {
  out(bold('Auditledge demo'));
  out(
    dim(
      'One scenario through the Express, Koa, Fastify and NestJS examples, audited into a local Auditledge API.',
    ),
  );
  out();

  const dir = mkdtempSync(join(tmpdir(), 'auditledge-demo-'));
  let local: LocalServer | undefined;
  const reader = { client: undefined as AuditLedge | undefined };
  let starting: Promise<ChildApp>[] = [];
  try {
    local = await startLocalServer({ port: 0, db: join(dir, 'audit.db') });
    out(`  ${'local API'.padEnd(10)} ${local.url}  ${dim(`(@auditledge/local, SQLite in ${dir})`)}`);
    const env = { AUDITLEDGE_API_KEY: local.apiKey, AUDITLEDGE_BASE_URL: local.url };
    const warn = (line: string) => process.stderr.write(`  ${red('!')} ${line}\n`);
    // Started together, so the tsx start-ups overlap; killed in `finally` whatever happens.
    starting = APPS.map((name) => startChildApp(root, name, env, START_TIMEOUT_MS, warn));
    for (const p of starting) {
      p.then(
        (app) => apps.push(app),
        () => {},
      );
    }
    for (const app of await Promise.all(starting)) {
      out(`  ${app.name.padEnd(10)} ${app.url}  ${dim(`(examples/${app.name}, its own process)`)}`);
    }
    out();

    out(bold('The scenario') + dim('  (Acme: Alice, admin, and Bob; Globex: Carol; no token: anonymous)'));
    const steps = SCENARIO.map((step, i) => [
      String(i + 1).padStart(2),
      step.title,
      `${step.method} ${step.path}`,
      String(step.status),
      step.event ? step.event.action : dim('not audited'),
    ]);
    for (const line of table(['#', 'STEP', 'REQUEST', 'STATUS', 'EXPECTED EVENT'], steps)) out(`  ${line}`);
    out();

    out(bold('Driving it through each app'));
    let statusErrors = 0;
    apps.sort((a, b) => APPS.indexOf(a.name as never) - APPS.indexOf(b.name as never));
    for (const app of apps) {
      process.stdout.write(`  ${app.name.padEnd(8)} `);
      const t0 = performance.now();
      for (const [i, step] of SCENARIO.entries()) {
        // The request id names the app in the trail (it lands in each event's metadata).
        const { status } = await runStep(app.url, step, { 'x-request-id': `${app.name}-${i + 1}` });
        const ok = status === step.status;
        if (!ok) statusErrors++;
        process.stdout.write(ok ? green('.') : red(`x(${i + 1}: ${status})`));
      }
      out(` ${SCENARIO.length} requests in ${Math.round(performance.now() - t0)} ms`);
    }
    out();

    out(
      bold('Stopping the apps') +
        dim('  (SIGTERM: close the server, then client.shutdown() flushes the queue)'),
    );
    for (const app of apps) {
      const said = await app.stop(STOP_TIMEOUT_MS);
      out(`  ${app.name.padEnd(8)} exited 0; ${said || 'no delivery report'}`);
    }
    out();

    const client = new AuditLedge(local.apiKey, { baseUrl: local.url });
    reader.client = client;
    await client.flush(); // nothing of its own queued: the apps delivered theirs before exiting
    const { events, total } = await client.query({ limit: 1000 });
    const trail = [...events].reverse();
    out(bold(`The audit trail`) + dim(`  (query(): ${total} events, oldest first)`));
    const rows = trail.map((e) => [
      clock(e.timestamp),
      appOf(e),
      e.actor_name ?? e.actor_id,
      e.action,
      `${e.resource_type}:${e.resource_id}`,
      e.organization_id ?? '',
      change(e),
    ]);
    for (const line of table(['TIME', 'APP', 'ACTOR', 'ACTION', 'RESOURCE', 'TENANT', 'CHANGE'], rows)) {
      out(`  ${line}`);
    }
    out();

    const problems = checkTrail(events);
    if (statusErrors > 0)
      problems.unshift(`${statusErrors} request(s) answered with an unexpected status (x above)`);
    const expected = SCENARIO.filter((s) => s.event).length;
    if (problems.length === 0) {
      out(
        `${green('✓')} Each app recorded exactly the ${expected} events the scenario expects. The reads, the failed`,
      );
      out('  requests, the unknown route and the unchanged update left no trace.');
    } else {
      for (const p of problems) out(`${red('✗')} ${p}`);
    }
    out();

    const usage = await client.usage();
    const limit = usage.events_limit === null ? 'unlimited' : usage.events_limit.toLocaleString('en-US');
    out(
      `${bold('Usage')}  ${dim('(usage())')}  plan ${usage.plan}: ${usage.events_this_month} of ${limit} events this month, kept ${usage.retention_days ?? '-'} days`,
    );
    // Streamed to the file as it arrives (constant memory whatever the trail's size).
    mkdirSync(dirname(CSV_PATH), { recursive: true });
    await pipeline(client.exportStream({ format: 'csv' }), createWriteStream(CSV_PATH));
    const csvRows = readFileSync(CSV_PATH, 'utf8').trimEnd().split(/\r?\n/).length - 1;
    out(
      `${bold('CSV export')}  ${dim("(exportStream({ format: 'csv' }))")}  ${relative(process.cwd(), CSV_PATH)} (${csvRows} rows)`,
    );
    out();

    out(bold('Where to look next'));
    const next = [
      [
        'examples/express/src/app.ts',
        'the middleware, a per-route audit(), a change record (koa/, fastify/, nestjs/ alike)',
      ],
      [
        'pnpm --filter @auditledge/example-express start',
        'run an example yourself; its README has curl commands',
      ],
      [
        'packages/core/README.md',
        'the client: query(), events(), exportStream(), usage(), flush(), shutdown()',
      ],
      ['pnpm vitest run --project e2e test/e2e', 'the tests that assert all of the above, event by event'],
    ];
    const width = Math.max(...next.map(([what]) => what!.length));
    for (const [what, why] of next) out(`  ${cyan(what!.padEnd(width))}  ${why}`);
    out();
    out(bold('The trail viewer') + dim('  (served by the local API at /, reading /v1 with your key)'));
    if (KEEP) {
      out(`  ${cyan(`${local.url}/`)}  API key ${local.apiKey}`);
      out();
      out(dim(`Done in ${seconds()}. The local API keeps running for the viewer: Ctrl-C stops it.`));
      clearTimeout(deadline);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      out(dim('Stopping the local API.'));
    } else {
      out(
        `  ${cyan(`${local.url}/`)}  ${dim('(stops with the demo: npm run demo -- --keep keeps it open)')}`,
      );
      out();
      out(dim(`Done in ${seconds()}.`));
    }
    return problems.length === 0;
  } finally {
    await Promise.allSettled(starting); // an app still starting when another failed
    killApps();
    await reader.client?.shutdown({ timeout: 1_000 });
    await local?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Which app an event came from, by the request id the demo sent. */
function appOf(e: StoredEvent): string {
  const id = e.metadata?.request_id;
  return typeof id === 'string' ? id.replace(/-\d+$/, '') : '?';
}

function change(e: StoredEvent): string {
  const m = e.metadata;
  if (!m || m.field === undefined) return '';
  return `${m.field}: ${JSON.stringify(m.old_value)} -> ${JSON.stringify(m.new_value)}`;
}

/**
 * Compares each app's events with the scenario's expected events, as a multiset: each app
 * delivers its queue with concurrent requests, so events stored in the same millisecond may be
 * stored in either order (the e2e tests, delivering one at a time, check the order too).
 */
function checkTrail(events: readonly StoredEvent[]): string[] {
  const expected = SCENARIO.filter((s) => s.event)
    .map((s) => [expectedActor(s).id, s.event!.action, s.event!.resource, s.event!.organization].join(' '))
    .sort();
  const problems: string[] = [];
  for (const name of APPS) {
    const got = events
      .filter((e) => appOf(e) === name)
      .map((e) => [e.actor_id, e.action, `${e.resource_type}:${e.resource_id}`, e.organization_id].join(' '))
      .sort();
    const missing = expected.filter((e) => !got.includes(e));
    const unexpected = got.filter((e) => !expected.includes(e));
    if (got.length !== expected.length || missing.length > 0 || unexpected.length > 0) {
      problems.push(
        `${name}: ${got.length} events instead of ${expected.length}; missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`,
      );
    }
  }
  return problems;
}

const deadline = setTimeout(() => {
  process.stderr.write(`demo: still running after ${DEADLINE_MS / 1000} s, giving up\n`);
  killApps();
  process.exit(1);
}, DEADLINE_MS).unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (release) {
      release();
      release = undefined;
      return;
    }
    killApps();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

main().then(
  (ok) => {
    process.exitCode = ok ? 0 : 1;
  },
  (err: unknown) => {
    process.stderr.write(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
