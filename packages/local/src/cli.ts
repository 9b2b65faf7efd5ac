#!/usr/bin/env node
import { resolve } from 'node:path';
import { type CliOptions, CliUsageError, parseCliArgs, USAGE } from './cliArgs.js';
import { keyPrefix } from './keys.js';
import { launch } from './server.js';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`auditledge-local: ${line}\n`);

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

  const { server, boot } = await launch({
    port: options.port,
    host: options.host,
    db: options.db,
    apiKey: options.apiKey,
    plan: options.plan,
    viewer: options.viewer,
    // Errors are printed without request details, which would include the Authorization header.
    onError: (e) => err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  });

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
