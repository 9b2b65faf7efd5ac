import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Account } from './accounts.js';
import { EVENT_COLUMNS, type EventRow } from './eventJson.js';
import { type EventFilters, whereClause } from './filters.js';
import { PLAN_NAMES, PLANS } from './plans.js';
import type { EventInput } from './validateEvent.js';

/** What `insert` did: stored a new event, found the one stored under the key, or hit the cap. */
export type InsertOutcome = { kind: 'created' | 'replayed'; row: EventRow } | { kind: 'limit' };

export interface InsertArgs {
  account: Account;
  keyId: string;
  input: EventInput;
  idempotencyKey: string | null;
  now: Date;
}

/** Where a scan resumes: the last row written (newest first). */
export interface ScanCursor {
  timestamp: string;
  seq: number;
}

/** A row of a scan: the event and its insertion order, the cursor's tie-breaker. */
export type ScanRow = EventRow & ScanCursor;

type Statement<R = unknown> = Database.Statement<unknown[], R>;

/** The `YYYY-MM` (UTC) an event received at `now` counts toward. */
export const monthOf = (now: Date): string => now.toISOString().slice(0, 7);

/** A page's `total`: the matches of `where` up to a seq (see `events_scan` in db.ts). */
export const countSql = (where: string): string =>
  `SELECT count(*) AS n FROM events WHERE ${where} AND seq <= ?`;

/**
 * Matches of `where` up to a seq, in page order, from an offset or after a cursor. With a
 * cursor, `timestamp <= ?` on its own lets SQLite seek the index to it; with only the OR it
 * walks the index from the newest match on every chunk, re-reading every row already written
 * (quadratic: seconds of blocked event loop per chunk on a 1 GiB export).
 */
export const scanSql = (where: string, from: 'cursor' | 'offset'): string =>
  `SELECT seq, ${EVENT_COLUMNS} FROM events WHERE ${where} AND seq <= ?` +
  (from === 'cursor'
    ? ' AND timestamp <= ? AND (timestamp < ? OR seq < ?) ORDER BY timestamp DESC, seq DESC'
    : ' ORDER BY timestamp DESC, seq DESC LIMIT -1 OFFSET ?');

/** The events table and the monthly counters. Append-only: the retention sweep is the only delete. */
export class EventStore {
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Statement>();
  readonly #insert: Statement;
  readonly #byIdempotencyKey: Statement<EventRow>;
  readonly #byId: Statement<EventRow>;
  readonly #monthCount: Statement<{ count: number }>;
  readonly #bumpMonth: Statement;
  readonly #maxSeq: Statement<{ seq: number | null }>;
  readonly #insertTx: (args: InsertArgs) => InsertOutcome;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO events (${EVENT_COLUMNS}, account_id, idempotency_key, action_lc, actor_name_lc, resource_type_lc)
       VALUES (${'?, '.repeat(16)}?)`,
    );
    this.#byIdempotencyKey = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE account_id = ? AND idempotency_key = ?`,
    );
    this.#byId = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ? AND account_id = ?`);
    this.#monthCount = db.prepare('SELECT count FROM monthly_usage WHERE account_id = ? AND month = ?');
    this.#bumpMonth = db.prepare(
      `INSERT INTO monthly_usage (account_id, month, count) VALUES (?, ?, 1)
       ON CONFLICT (account_id, month) DO UPDATE SET count = count + 1`,
    );
    this.#maxSeq = db.prepare('SELECT max(seq) AS seq FROM events');
    this.#insertTx = db.transaction((args: InsertArgs) => this.#insertNow(args));
  }

  /**
   * Stores one event unless its idempotency key was seen for the account (then the first
   * event is returned and nothing is counted) or the month's cap is reached. One
   * transaction, so a concurrent duplicate can never slip between the check and the insert.
   */
  insert(args: InsertArgs): InsertOutcome {
    return this.#insertTx(args);
  }

  #insertNow({ account, keyId, input, idempotencyKey, now }: InsertArgs): InsertOutcome {
    if (idempotencyKey !== null) {
      const first = this.#byIdempotencyKey.get(account.id, idempotencyKey);
      if (first) return { kind: 'replayed', row: first };
    }
    const month = monthOf(now);
    const cap = PLANS[account.plan].events_limit;
    if (cap !== null && this.monthCount(account.id, month) >= cap) return { kind: 'limit' };
    const row: EventRow = {
      id: randomUUID(),
      timestamp: input.timestamp ?? now.toISOString(),
      actor_id: input.actor_id,
      actor_name: input.actor_name,
      actor_email: input.actor_email,
      action: input.action,
      resource_type: input.resource_type,
      resource_id: input.resource_id,
      resource_name: input.resource_name,
      metadata: input.metadata,
      organization_id: input.organization_id ?? account.organization_id,
      api_key_id: keyId,
    };
    // `row` is built in EVENT_COLUMNS order, which is the order of the placeholders.
    this.#insert.run(
      ...Object.values(row),
      account.id,
      idempotencyKey,
      row.action.toLowerCase(),
      row.actor_name?.toLowerCase() ?? null,
      row.resource_type.toLowerCase(),
    );
    this.#bumpMonth.run(account.id, month);
    return { kind: 'created', row };
  }

  findById(accountId: string, id: string): EventRow | undefined {
    return this.#byId.get(id, accountId);
  }

  /** The highest seq so far: a read goes up to it, so events arriving meanwhile stay out. */
  maxSeq(): number {
    return this.#maxSeq.get()?.seq ?? 0;
  }

  /** Matches up to `maxSeq`, as counted for a page's `total`. */
  count(accountId: string, filters: EventFilters, maxSeq: number): number {
    const where = whereClause(accountId, filters);
    return this.#statement<{ n: number }>(countSql(where.sql)).get(...where.params, maxSeq)?.n ?? 0;
  }

  /**
   * Matches up to `maxSeq` in page order (newest first, ties: last inserted first), after
   * `from.cursor` or from `from.offset`. A lazy SQLite cursor: the caller reads what fits in
   * one chunk and must close it (`break` or `return()`) before it awaits anything, since the
   * connection serves no other statement while a cursor is open.
   */
  scan(
    accountId: string,
    filters: EventFilters,
    maxSeq: number,
    from: { cursor: ScanCursor } | { offset: number },
  ): IterableIterator<ScanRow> {
    const where = whereClause(accountId, filters);
    const params: unknown[] = [...where.params, maxSeq];
    if ('cursor' in from) params.push(from.cursor.timestamp, from.cursor.timestamp, from.cursor.seq);
    else params.push(from.offset);
    return this.#statement<ScanRow>(scanSql(where.sql, 'cursor' in from ? 'cursor' : 'offset')).iterate(
      ...params,
    );
  }

  monthCount(accountId: string, month: string): number {
    return this.#monthCount.get(accountId, month)?.count ?? 0;
  }

  /**
   * Deletes events whose `timestamp` is older than their account's plan retention at `now`.
   * Monthly counts are not reduced: they count what was received, not what is kept.
   */
  sweep(now: Date): number {
    let deleted = 0;
    const sweepAll = this.#db.transaction(() => {
      for (const plan of PLAN_NAMES) {
        const days = PLANS[plan].retention_days;
        if (days === null) continue;
        const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
        deleted += this.#statement(
          'DELETE FROM events WHERE timestamp < ? AND account_id IN (SELECT id FROM accounts WHERE plan = ?)',
        ).run(cutoff, plan).changes;
      }
    });
    sweepAll();
    return deleted;
  }

  #statement<R>(sql: string): Statement<R> {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement as Statement<R>;
  }
}
