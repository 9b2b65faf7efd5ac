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

export interface Profile {
  top: HotFunction[];
  /** The top functions of our own packages. */
  ours: HotFunction[];
  /** Self time by owner: our packages, each dependency, Node internals, native/GC/idle. */
  owners: Array<{ owner: string; selfPct: number }>;
}

function ownerOf(where: string, name: string): string {
  if (where.startsWith('packages/')) return `ours (${where.split('/')[1]})`;
  if (where.startsWith('node:')) return 'node internals';
  if (where === '') return name.startsWith('(') ? name : 'native';
  const parts = where.split('/');
  return where.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** Self time per function of a .cpuprofile file, largest first. */
export function topSelfTime(profilePath: string, limit = 15): Profile {
  return summarize(JSON.parse(readFileSync(profilePath, 'utf8')) as { nodes: ProfileNode[] }, limit);
}

/** Profiles `fn` in this process (node:inspector) for about `ms` of repeated calls. */
export async function profileHere(fn: () => void, ms: number): Promise<Profile> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const end = performance.now() + ms;
    while (performance.now() < end) fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
    return summarize(profile, 15);
  } finally {
    session.disconnect();
  }
}

function summarize(profile: { nodes: ProfileNode[] }, limit: number): Profile {
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
  const pctOf = (hits: number) => (total ? (hits / total) * 100 : 0);
  const owners = new Map<string, number>();
  for (const f of byFunction.values()) {
    const owner = ownerOf(f.where, f.name);
    owners.set(owner, (owners.get(owner) ?? 0) + f.hits);
  }
  const sorted = [...byFunction.values()].sort((a, b) => b.hits - a.hits);
  const row = ({ name, where, hits }: HotFunction & { hits: number }) => ({
    name,
    where,
    selfPct: pctOf(hits),
  });
  return {
    top: sorted.slice(0, limit).map(row),
    ours: sorted
      .filter((f) => f.where.startsWith('packages/'))
      .slice(0, 10)
      .map(row),
    owners: [...owners.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([owner, hits]) => ({ owner, selfPct: pctOf(hits) }))
      .filter((o) => o.selfPct >= 0.5),
  };
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
export async function profileApp(config: AppConfig, seconds: number, connections = 16): Promise<Profile> {
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

export function profileTable(title: string, profile: Profile): string {
  const lines = [
    title,
    '',
    `Self time by owner: ${profile.owners.map((o) => `${o.owner} ${fmt(o.selfPct, 1)}%`).join(', ')}.`,
    '',
    '| self % | function | where |',
    '|---:|---|---|',
  ];
  for (const r of profile.top) lines.push(`| ${fmt(r.selfPct, 1)} | \`${r.name}\` | ${r.where} |`);
  if (profile.ours.length > 0) {
    lines.push('', 'Top functions of our packages:', '', '| self % | function | where |', '|---:|---|---|');
    for (const r of profile.ours) lines.push(`| ${fmt(r.selfPct, 1)} | \`${r.name}\` | ${r.where} |`);
  }
  return lines.join('\n');
}
