#!/usr/bin/env node
// One entry for a fresh machine with only Node 20 and npm: makes sure pnpm (the
// pinned version) is there, installs the workspace from the lockfile and builds
// the packages, then runs the command given after `--`, if any.
//
//   node scripts/setup.mjs                 # install + build
//   node scripts/setup.mjs -- vitest run   # install + build, then run vitest
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const log = (msg) => process.stderr.write(`[setup] ${msg}\n`);

function pnpmVersion() {
  try {
    return execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (pnpmVersion() !== wanted) {
  log(`installing pnpm@${wanted} with npm (npm i -g pnpm@${wanted})`);
  run('npm', ['install', '--global', '--no-fund', '--no-audit', `pnpm@${wanted}`]);
}

// better-sqlite3 compiles its addon with node-gyp. Where Node's headers are
// installed next to the binary (Debian's nodejs, most images), point node-gyp at
// them instead of letting it download a tarball.
const env = { ...process.env };
const prefix = dirname(dirname(process.execPath));
if (!env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node.h'))) {
  env.npm_config_nodedir = prefix;
}
const frozen = process.env.CI || !process.argv.includes('--no-frozen') ? ['--frozen-lockfile'] : [];
run('pnpm', ['install', ...frozen, '--reporter=append-only'], env);
run('pnpm', ['--silent', 'run', 'build']);

const sep = process.argv.indexOf('--');
if (sep !== -1 && process.argv.length > sep + 1) {
  run('pnpm', ['exec', ...process.argv.slice(sep + 1)]);
}
