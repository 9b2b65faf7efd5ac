import type Database from 'better-sqlite3';
import type { Account, AccountStore } from './accounts.js';
import { generateApiKey, isWellFormedApiKey } from './keys.js';
import type { Plan } from './plans.js';

export interface BootstrapOptions {
  apiKey?: string;
  plan?: Plan;
  organizationId?: string;
  now: Date;
}

/** The first account and a usable key for it, after a start. */
export interface BootstrapResult {
  account: Account;
  apiKey: string;
  /** False when the database already held the account (a file reopened). */
  accountCreated: boolean;
  /** True when `apiKey` was generated here rather than given. */
  keyGenerated: boolean;
}

/**
 * Makes sure the database has a first account and a key the caller can use. A given key
 * is registered once and reused on later starts; without one a new key is made every
 * start, because stored keys are only hashes and cannot be shown again.
 *
 * @example
 * const { account, apiKey } = bootstrap(db, accounts, { now: new Date() });
 */
export function bootstrap(
  db: Database.Database,
  accounts: AccountStore,
  options: BootstrapOptions,
): BootstrapResult {
  const { apiKey, plan, organizationId, now } = options;
  if (apiKey !== undefined && !isWellFormedApiKey(apiKey)) {
    throw new TypeError('apiKey must be "al_" followed by 8 to 200 characters of A-Z a-z 0-9 _ -');
  }
  return db.transaction((): BootstrapResult => {
    const known = apiKey === undefined ? undefined : accounts.authenticate(apiKey);
    const existing = known?.account ?? accounts.firstAccount();
    const account = existing ?? accounts.createAccount(plan ?? 'free', organizationId, now);
    if (existing && plan !== undefined) accounts.setPlan(account.id, plan);
    if (apiKey === undefined) {
      const key = generateApiKey();
      accounts.addKey(account.id, key, now);
      return { account, apiKey: key, accountCreated: !existing, keyGenerated: true };
    }
    if (!known && accounts.registerKey(account.id, apiKey, now) === 'revoked') {
      throw new Error('The given API key was revoked in this database; pass another one');
    }
    return { account, apiKey, accountCreated: !existing, keyGenerated: false };
  })();
}
