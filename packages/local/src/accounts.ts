import type Database from 'better-sqlite3';
import { hashApiKey, keyPrefix, newId } from './keys.js';
import { isPlan, type Plan } from './plans.js';

/** An account as the server uses it; one object per account, shared by every cached key. */
export interface Account {
  readonly id: string;
  plan: Plan;
  readonly organization_id: string;
}

/** What a valid key resolves to. */
export interface KeyRecord {
  readonly keyId: string;
  readonly account: Account;
  /**
   * Set when the key is revoked. A request holds its record from authentication on, so a
   * write or a long read checks this flag at commit time and between chunks: a key revoked
   * while a request is in flight stops it, not just the next request.
   */
  revoked: boolean;
}

/** Outcome of registering a caller-chosen key. */
export type RegisterResult = 'added' | 'exists' | 'revoked' | 'taken';

interface AccountRow {
  id: string;
  plan: string;
  organization_id: string;
}

/**
 * Accounts and API keys. Keys are looked up by SHA-256 hash; a resolved key is cached in
 * memory so the hot path (every request) skips the database, and revoking drops it from the
 * cache in the same call, so a revoked key fails on the very next request.
 */
export class AccountStore {
  readonly #accounts = new Map<string, Account>();
  readonly #keys = new Map<string, KeyRecord>();
  readonly #insertAccount: Database.Statement;
  readonly #selectAccount: Database.Statement<[string], AccountRow>;
  readonly #selectFirst: Database.Statement<[], AccountRow>;
  readonly #updatePlan: Database.Statement;
  readonly #insertKey: Database.Statement;
  readonly #selectKey: Database.Statement<
    [string],
    { id: string; account_id: string; revoked_at: string | null }
  >;
  readonly #revokeKey: Database.Statement;

  constructor(db: Database.Database) {
    this.#insertAccount = db.prepare(
      'INSERT INTO accounts (id, plan, organization_id, created_at) VALUES (?, ?, ?, ?)',
    );
    this.#selectAccount = db.prepare('SELECT id, plan, organization_id FROM accounts WHERE id = ?');
    this.#selectFirst = db.prepare('SELECT id, plan, organization_id FROM accounts ORDER BY rowid LIMIT 1');
    this.#updatePlan = db.prepare('UPDATE accounts SET plan = ? WHERE id = ?');
    this.#insertKey = db.prepare(
      'INSERT INTO api_keys (id, account_id, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#selectKey = db.prepare('SELECT id, account_id, revoked_at FROM api_keys WHERE key_hash = ?');
    this.#revokeKey = db.prepare(
      'UPDATE api_keys SET revoked_at = ? WHERE key_hash = ? AND revoked_at IS NULL',
    );
  }

  createAccount(plan: Plan, organizationId: string | undefined, now: Date): Account {
    const account: Account = { id: newId('acct'), plan, organization_id: organizationId ?? newId('org') };
    this.#insertAccount.run(account.id, plan, account.organization_id, now.toISOString());
    this.#accounts.set(account.id, account);
    return account;
  }

  getAccount(id: string): Account | undefined {
    const cached = this.#accounts.get(id);
    if (cached) return cached;
    const row = this.#selectAccount.get(id);
    return row && this.#remember(row);
  }

  /** The account created first: the default one of the CLI and of `startLocalServer`. */
  firstAccount(): Account | undefined {
    const row = this.#selectFirst.get();
    return row && (this.#accounts.get(row.id) ?? this.#remember(row));
  }

  setPlan(id: string, plan: Plan): boolean {
    if (this.#updatePlan.run(plan, id).changes === 0) return false;
    const cached = this.#accounts.get(id);
    if (cached) cached.plan = plan;
    return true;
  }

  /** Stores the hash of `key` for the account and returns the new key's id. */
  addKey(accountId: string, key: string, now: Date): string {
    const id = newId('key');
    this.#insertKey.run(id, accountId, hashApiKey(key), keyPrefix(key), now.toISOString());
    return id;
  }

  /** Adds a caller-chosen key unless it is already known (to this account, another, or revoked). */
  registerKey(accountId: string, key: string, now: Date): RegisterResult {
    const row = this.#selectKey.get(hashApiKey(key));
    if (!row) {
      this.addKey(accountId, key, now);
      return 'added';
    }
    if (row.revoked_at !== null) return 'revoked';
    return row.account_id === accountId ? 'exists' : 'taken';
  }

  /** The active key's record, or undefined for unknown and revoked keys. */
  authenticate(key: string): KeyRecord | undefined {
    const hash = hashApiKey(key);
    const cached = this.#keys.get(hash);
    if (cached) return cached;
    const row = this.#selectKey.get(hash);
    if (!row || row.revoked_at !== null) return undefined;
    const account = this.getAccount(row.account_id);
    if (!account) return undefined;
    const record: KeyRecord = { keyId: row.id, account, revoked: false };
    this.#keys.set(hash, record);
    return record;
  }

  /** Revokes an active key; false when the key is unknown or already revoked. */
  revoke(key: string, now: Date): boolean {
    const hash = hashApiKey(key);
    const cached = this.#keys.get(hash);
    if (cached) cached.revoked = true;
    this.#keys.delete(hash);
    return this.#revokeKey.run(now.toISOString(), hash).changes > 0;
  }

  #remember(row: AccountRow): Account {
    // A plan name from a newer version falls back to the strictest plan rather than failing.
    const account: Account = {
      id: row.id,
      plan: isPlan(row.plan) ? row.plan : 'free',
      organization_id: row.organization_id,
    };
    this.#accounts.set(account.id, account);
    return account;
  }
}
