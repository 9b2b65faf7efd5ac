// Where the time goes: runs an app variant under load with `node --cpu-prof` and summarises
// the profile's top self-time functions, for RESULTS.md when a goal is missed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from './appProcess.js';
import type { AppConfig } from './apps.js';
import { closedLoad } from './load.js';
import { fmt } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface HotFunction {
  name: string;
  where: string;
  selfPct: number;
}

/** Self time per function (summed over the profile's nodes), largest first. */
export function topSelfTime(profilePath: string, limit = 15): HotFunction[] {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as { nodes: ProfileNode[] };
  const byFunction = new Map<string, HotFunction & { hits: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shorten(url)}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = byFunction.get(key) ?? { name: functionName || '(anonymous)', where, selfPct: 0, hits: 0 };
    entry.hits += hits;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, limit)
    .map(({ name, where, hits }) => ({ name, where, selfPct: total ? (hits / total) * 100 : 0 }));
}

function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const pkg = path.lastIndexOf('node_modules/');
  if (pkg >= 0) return path.slice(pkg + 'node_modules/'.length);
  const pkgs = path.indexOf('/packages/');
  if (pkgs >= 0) return path.slice(pkgs + 1);
  return path.replace(/^.*\/bench\//, 'bench/');
}

/** Profiles `config` under `seconds` of closed-loop load and returns the top self-time functions. */
export async function profileApp(
  config: AppConfig,
  seconds: number,
  connections = 16,
): Promise<HotFunction[]> {
  const dir = mkdtempSync(join(tmpdir(), 'auditledge-prof-'));
  try {
    const app = await startApp(config, { execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
    await closedLoad({ url: app.url, duration: seconds, connections });
    await app.close();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    return topSelfTime(join(dir, file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function profileTable(title: string, rows: HotFunction[]): string {
  const lines = [`${title}`, '', '| self % | function | where |', '|---:|---|---|'];
  for (const r of rows) lines.push(`| ${fmt(r.selfPct, 1)} | \`${r.name}\` | ${r.where} |`);
  return lines.join('\n');
}
