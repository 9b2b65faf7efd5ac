import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLedgeError } from '../errors.js';

/** Directories this process holds, so a second client on the same one fails like a second process would. */
const held = new Set<string>();
const startedAt = Math.round(Date.now() - process.uptime() * 1000);

interface LockContent {
  pid: number;
  startedAt: number;
}

/**
 * Takes the directory's lock file (`lock`, holding `{ pid, startedAt }`), or throws
 * `AL_ERR_SPOOL_LOCKED` naming the directory and the holder. A lock left by a process that is
 * gone is taken over: its pid is dead, or it is our own pid with another start time (a
 * restarted container, where the app is pid 1 every time).
 */
export function acquireLock(dir: string): string {
  const path = join(dir, 'lock');
  if (held.has(dir)) throw lockedError(dir, 'another AuditLedge client in this process');
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder !== undefined && isAlive(holder)) {
        throw lockedError(dir, `process ${holder.pid}`);
      }
      try {
        unlinkSync(path);
      } catch (unlinkErr) {
        if ((unlinkErr as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkErr;
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, startedAt } satisfies LockContent));
    } finally {
      closeSync(fd);
    }
    held.add(dir);
    return path;
  }
  throw lockedError(dir, 'another process (it keeps re-taking the lock)');
}

export function releaseLock(dir: string, path: string): void {
  if (!held.delete(dir)) return;
  try {
    const holder = readHolder(path);
    if (holder?.pid === process.pid && holder.startedAt === startedAt) unlinkSync(path);
  } catch {
    // Gone already, or the directory is: nothing to release.
  }
}

function readHolder(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.startedAt === 'number') {
      return { pid: parsed.pid, startedAt: parsed.startedAt };
    }
  } catch {
    // Unreadable or half-written (a crash between create and write): nobody holds it.
  }
  return undefined;
}

function isAlive(holder: LockContent): boolean {
  if (holder.pid === process.pid) return false; // not in `held`: a former life of this pid
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(dir: string, who: string): AuditLedgeError {
  return new AuditLedgeError(
    'AL_ERR_SPOOL_LOCKED',
    `The spool directory ${dir} is in use by ${who}; give each process its own spool.dir`,
  );
}
