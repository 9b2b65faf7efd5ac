import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MEMORY } from './db.js';

/** Thrown by `startLocalServer` when another server already uses the database file. */
export class DatabaseInUseError extends Error {
  readonly code = 'AL_LOCAL_DB_IN_USE';

  constructor(path: string) {
    super(
      `${path} is in use by another auditledge-local server (in this or another process). ` +
        'Stop it, or give this one its own --db file.',
    );
    this.name = 'DatabaseInUseError';
  }
}

/**
 * Claims a database file for one server, through an exclusive SQLite lock on `<db>.lock`
 * held until `release()`. Two servers on one file would each cache keys and plans (a key
 * revoked by one stays valid in the other) and contend for the write lock, which a
 * synchronous driver can only wait for by blocking its event loop; so the second one is
 * refused at start instead. The lock file, not the database, is locked, so other readers
 * and tools (the sqlite3 shell, a backup) still open the database itself. The OS drops the
 * lock when a process dies, so a crash leaves nothing stale behind.
 *
 * @example
 * const release = claimDatabaseFile('./.auditledge/local.db');
 */
export function claimDatabaseFile(path: string): () => void {
  if (path === MEMORY) return () => {};
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const lock = new Database(`${path}.lock`, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    // In EXCLUSIVE locking mode the lock taken by this (empty) transaction is never released.
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    lock.close();
    if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw new DatabaseInUseError(path);
    throw err;
  }
  return () => lock.close();
}
