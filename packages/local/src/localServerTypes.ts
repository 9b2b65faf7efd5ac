import type { Plan } from './plans.js';

/** Options of `startLocalServer`. Every one is optional. */
export interface LocalServerOptions {
  /**
   * TCP port; `0` picks a free one (read it back from `url`).
   * @default 0
   */
  port?: number | undefined;
  /**
   * Interface to listen on. `0.0.0.0` / `::` listen everywhere; `url` then names the loopback address.
   * @default '127.0.0.1'
   */
  host?: string | undefined;
  /**
   * SQLite file, created with its directory if missing, or `':memory:'` for a database that
   * lives until `close()`.
   * @default ':memory:'
   */
  db?: string | undefined;
  /**
   * A key (`al_` then 8-200 of `A-Z a-z 0-9 _ -`) to register for the first account, so
   * scripts can rely on a fixed value. Without it a new random key is made at every start.
   * @default a new random key
   */
  apiKey?: string | undefined;
  /**
   * Plan of the first account; applied to an existing account too when given.
   * @default 'free' for a new account, unchanged for an existing one
   */
  plan?: Plan | undefined;
  /**
   * The first account's default `organization_id`; used only when that account is created.
   * @default a random `org_...` id
   */
  organizationId?: string | undefined;
  /**
   * The server's clock: the time given to events sent without `timestamp`, the month that
   * usage counts toward, and the default `now` of `sweepRetention()`. Inject one in tests.
   * @default () => new Date()
   */
  now?: (() => Date) | undefined;
  /**
   * Milliseconds a connection may go without moving a byte (a client that stopped reading
   * its response, a stalled upload, an idle keep-alive socket) before it is closed.
   * @default 30000
   */
  idleTimeout?: number | undefined;
  /**
   * Open connections at most; beyond it new connections are closed at once.
   * @default 256
   */
  maxConnections?: number | undefined;
  /**
   * Receives unexpected errors, each of which was answered with a 500. The server never
   * prints on its own.
   * @default ignore
   */
  onError?: ((err: unknown) => void) | undefined;
  /**
   * Serve the trail viewer, a page to browse the audit trail, at `/` (its files under
   * `/viewer/`). It reads through the public `/v1` endpoints with a key the user enters;
   * `false` leaves `/` a 404 like any unknown path.
   * @default true
   */
  viewer?: boolean | undefined;
}

/** An account made by `createAccount`. */
export interface CreatedAccount {
  accountId: string;
  /** A new key for the account; shown only here, stored as its SHA-256 hash. */
  apiKey: string;
  /** The default `organization_id` of the account's events. */
  organizationId: string;
}

/** A running local API, as returned by `startLocalServer`. */
export interface LocalServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:4600`. */
  readonly url: string;
  /** A working key of the first account (the given `apiKey`, or a new one). */
  readonly apiKey: string;
  /** The first account. */
  readonly accountId: string;
  /** The first account's default `organization_id`. */
  readonly organizationId: string;
  /**
   * Makes another account, isolated from the others, with its first key.
   * @param options.plan default `'free'`; options.organizationId default a random `org_...`
   */
  createAccount(options?: { plan?: Plan | undefined; organizationId?: string | undefined }): CreatedAccount;
  /**
   * Adds a key to an account (the first one by default) and returns the new key.
   * Throws for an unknown account.
   */
  createApiKey(options?: { accountId?: string | undefined }): string;
  /** Revokes a key at once; true if an active key was revoked, false if it was unknown or already revoked. */
  revokeApiKey(key: string): boolean;
  /** Changes an account's plan (limit and retention) from the next request on. Throws for an unknown account. */
  setPlan(accountId: string, plan: Plan): void;
  /**
   * Deletes events older than their account's plan retention at `now`, as the daily sweep
   * does, and returns how many were deleted.
   * @param now default: the server's clock
   */
  sweepRetention(now?: Date): number;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}
