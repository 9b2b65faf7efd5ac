// Where an adapter's cost per request goes: profiles one framework's app under the same load
// twice, a reference variant (`bare` by default) and `ours`, with `node --cpu-prof` at 100 µs,
// and prints each function's self time per request in both and the difference, largest first,
// then the same summed by owner (core, the adapter, node internals, native, each dependency).
// Sampled, so a function's figure moves by a few tenths of a µs run to run; the total and the
// large rows are what to read. The profiles include the app's start-up and a 1 s warm-up.
//
//   pnpm --filter @auditledge/bench exec tsx profileDiff.ts koa [seconds=6] [reference=bare]
//   (reference: bare, pino-http, morgan, or interceptor for the NestJS frameworks)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from './lib/appProcess.js';
import type { Framework, Variant } from './lib/apps.js';
import { closedLoad } from './lib/load.js';
import { fmt } from './lib/stats.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Measured {
  /** Samples per function (`name where:line`). */
  hits: Map<string, number>;
  idle: number;
  samples: number;
  requests: number;
  usPerSample: number;
}

const framework = (process.argv[2] ?? 'koa') as Framework;
const seconds = Number(process.argv[3] ?? 6);
const reference = (process.argv[4] ?? 'bare') as Variant;

async function measure(variant: Variant): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-profdiff-'));
  try {
    const app = await startApp(
      { framework, variant },
      { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100'] },
    );
    const warm = await closedLoad({ url: app.url, duration: 1, connections: 16 });
    const run = await closedLoad({ url: app.url, duration: seconds, connections: 16 });
    await app.close();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: ProfileNode[];
      startTime: number;
      endTime: number;
      samples: number[];
    };
    const hits = new Map<string, number>();
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url.replace(/^.*node_modules\//, '').replace(/^.*\/packages\//, 'packages/');
      const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
      hits.set(key, (hits.get(key) ?? 0) + (node.hitCount ?? 0));
    }
    const idle = [...hits].filter(([k]) => k.startsWith('(idle)')).reduce((sum, [, n]) => sum + n, 0);
    const samples = profile.samples.length;
    return {
      hits,
      idle,
      samples,
      requests: warm.total + run.total,
      usPerSample: (profile.endTime - profile.startTime) / samples,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const before = await measure(reference);
const after = await measure('ours');
const perRequest = (m: Measured, key: string) => ((m.hits.get(key) ?? 0) * m.usPerSample) / m.requests;
const busy = (m: Measured) => ((m.samples - m.idle) * m.usPerSample) / m.requests;
const rows = [...new Set([...before.hits.keys(), ...after.hits.keys()])]
  .filter((key) => !key.startsWith('(idle)'))
  .map((key) => ({ key, ref: perRequest(before, key), ours: perRequest(after, key) }))
  .map((r) => ({ ...r, diff: r.ours - r.ref }))
  .sort((a, b) => b.diff - a.diff);
console.log(
  `${framework}: busy CPU µs/request ${reference} ${fmt(busy(before), 1)}, ours ${fmt(busy(after), 1)} ` +
    `(${before.requests} / ${after.requests} requests)\n`,
);
console.log(`| ours - ${reference} µs | ours µs | ${reference} µs | function |`);
console.log('|---:|---:|---:|---|');
for (const r of rows.slice(0, 30)) {
  console.log(`| ${fmt(r.diff, 2)} | ${fmt(r.ours, 2)} | ${fmt(r.ref, 2)} | \`${r.key}\` |`);
}

// The same difference summed by owner: which code the added µs are in.
const owner = (key: string): string => {
  const where = key.slice(key.indexOf(' ') + 1);
  if (key.startsWith('(')) return key.slice(0, key.indexOf(')') + 1); // GC, program, ...
  if (where.includes('packages/core/')) return 'ours: core';
  const pkg = /packages\/([\w-]+)\//.exec(where);
  if (pkg) return `ours: ${pkg[1]}`;
  if (where.startsWith('node:')) return 'node internals';
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[\w.-]+\/)?[\w.-]+)\//.exec(where);
  if (dep) return dep[1]!;
  return where.startsWith(':') ? 'native (syscalls, builtins)' : 'other';
};
const byOwner = new Map<string, { ours: number; ref: number }>();
for (const r of rows) {
  const o = byOwner.get(owner(r.key)) ?? { ours: 0, ref: 0 };
  o.ours += r.ours;
  o.ref += r.ref;
  byOwner.set(owner(r.key), o);
}
console.log(`\n| ours - ${reference} µs | ours µs | ${reference} µs | owner |`);
console.log('|---:|---:|---:|---|');
for (const [name, o] of [...byOwner].sort((a, b) => b[1].ours - b[1].ref - (a[1].ours - a[1].ref))) {
  console.log(`| ${fmt(o.ours - o.ref, 2)} | ${fmt(o.ours, 2)} | ${fmt(o.ref, 2)} | ${name} |`);
}
