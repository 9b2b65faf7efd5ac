import type Database from 'better-sqlite3';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit: writes made in the same turn of the event loop share one transaction,
 * committed in a `setImmediate`. A commit costs far more than an insert (the WAL pages of
 * the table and its three indexes), so with many clients in flight this multiplies
 * ingestion. Callers are answered only after the commit, so a 201 still means persisted.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  #waiters: Waiter[] = [];
  #scheduled = false;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /**
   * Runs `work` now, inside the open batch, and resolves with its result once the batch is
   * committed. `work` should use `db.transaction()`: nested in the batch it becomes a
   * savepoint, so a throw undoes that work alone and the rest of the batch still commits.
   *
   * @example
   * const outcome = await commits.run(() => events.insert(args));
   */
  run<T>(work: () => T): Promise<T> {
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads first fails
    // with SQLITE_BUSY, without waiting, when another connection wrote in between.
    if (!this.#db.inTransaction) this.#db.exec('BEGIN IMMEDIATE');
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
    const result = work();
    return new Promise<T>((resolve, reject) => {
      this.#waiters.push({ resolve: () => resolve(result), reject });
    });
  }

  /** Commits the open batch now; also called before other writes and before closing. */
  flush(): void {
    this.#scheduled = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    if (!this.#db.inTransaction) {
      for (const waiter of waiters) waiter.resolve();
      return;
    }
    try {
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      for (const waiter of waiters) waiter.reject(err);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }
}
