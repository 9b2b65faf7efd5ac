#!/usr/bin/env node
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { type CliOptions, CliUsageError, parseCliArgs, USAGE } from './cliArgs.js';
import { keyPrefix } from './keys.js';
import { launch } from './server.js';
import { DatabaseInUseError } from './serverLock.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`auditledge-local: ${line}\n`);

// `auditledge-local | head -3`: once the reader is gone, writes fail with EPIPE. That is the
// reader's choice, not an error of ours: stop writing there, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

/** The version in package.json (next to dist/ and src/ alike). */
function version(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

/** What to change, for the errors a user can fix: the port, the database path. */
function explain(e: unknown, options: CliOptions): string {
  const error = e as NodeJS.ErrnoException;
  const db = options.db === ':memory:' ? ':memory:' : resolve(options.db);
  if (error?.syscall === 'listen') {
    if (error.code === 'EADDRINUSE') {
      return `port ${options.port} on ${options.host} is already in use: stop what listens there, or choose another port with --port <n> (--port 0 picks a free one)`;
    }
    if (error.code === 'EACCES') {
      return `not allowed to listen on port ${options.port}: choose a port above 1023 with --port <n>`;
    }
    if (error.code === 'EADDRNOTAVAIL') {
      return `cannot listen on ${options.host}: no such local address (choose another with --host)`;
    }
    return `cannot listen on ${options.host}:${options.port}: ${error.message}`;
  }
  if (e instanceof DatabaseInUseError) return e.message;
  const code = typeof error?.code === 'string' ? error.code : '';
  if (
    code.startsWith('SQLITE_') ||
    ['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EROFS'].includes(code)
  ) {
    return `cannot use the database ${db}: ${error.message} (choose another file with --db <path>)`;
  }
  return e instanceof Error ? e.message : String(e);
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCliArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    err(e.message);
    process.stderr.write(`\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    out(USAGE);
    return;
  }
  if (options.version) {
    out(version());
    return;
  }

  let launched: Awaited<ReturnType<typeof launch>>;
  try {
    launched = await launch({
      port: options.port,
      host: options.host,
      db: options.db,
      apiKey: options.apiKey,
      plan: options.plan,
      viewer: options.viewer,
      // Errors are printed without request details, which would include the Authorization header.
      onError: (e) => err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
    });
  } catch (e) {
    err(explain(e, options));
    process.exit(1);
  }
  const { server, boot } = launched;

  // Handlers go in before the banner: whoever reads the banner may signal us right away.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      err(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    err(`${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        err(`close failed: ${String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const { account } = boot;
  const db = options.db === ':memory:' ? ':memory:' : resolve(options.db);
  out(`Auditledge local API listening on ${server.url}`);
  out(`  database  ${db}${boot.accountCreated ? ' (new)' : ''}`);
  if (options.viewer) out(`  viewer    ${server.url}/  (the trail, in a browser: enter the key below)`);
  out(`  account   ${account.id} (plan ${account.plan}, organization ${account.organization_id})`);
  if (!boot.keyGenerated) {
    // The key was given to us: say which, never print it, since CI logs are often public.
    out(`  API key   ${keyPrefix(boot.apiKey)}... (from ${options.apiKeySource})`);
  } else {
    out(`  API key   ${boot.apiKey}`);
    out();
    out(
      boot.accountCreated
        ? '  The key is shown only now: it is stored as a SHA-256 hash.'
        : '  A new key for the existing account: earlier keys still work, but are stored only as\n' +
            '  hashes and cannot be shown again.',
    );
    out('  For a fixed key, pass --api-key al_... or set AUDITLEDGE_LOCAL_API_KEY.');
  }
  out();
  out(`  new AuditLedge(apiKey, { baseUrl: '${server.url}' })`);
}

main().catch((e: unknown) => {
  err(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
