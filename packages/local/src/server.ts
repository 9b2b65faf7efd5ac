import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Database from 'better-sqlite3';
import { AccountStore } from './accounts.js';
import { type BootstrapResult, bootstrap } from './bootstrap.js';
import { MEMORY, openDatabase } from './db.js';
import { EventStore } from './eventStore.js';
import { GroupCommit } from './groupCommit.js';
import { generateApiKey } from './keys.js';
import type { LocalServer, LocalServerOptions } from './localServerTypes.js';
import { isPlan, type Plan } from './plans.js';
import { createRequestListener } from './router.js';
import { claimDatabaseFile } from './serverLock.js';
import { withViewer } from './viewer/serveViewer.js';

const DAY_MS = 86_400_000;
// In-flight requests get this long to finish at close() before their sockets are cut.
const CLOSE_GRACE_MS = 2_000;

const DEFAULTS = {
  idleTimeout: 30_000,
  maxConnections: 256,
} satisfies Required<Pick<LocalServerOptions, 'idleTimeout' | 'maxConnections'>>;

/**
 * Starts the Auditledge v1 API on SQLite, with a first account and a key ready to use.
 *
 * @example
 * const local = await startLocalServer({ port: 0, db: ':memory:' });
 * const res = await fetch(`${local.url}/v1/usage`, { headers: { authorization: `Bearer ${local.apiKey}` } });
 * await local.close();
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  return (await launch(options)).server;
}

/** `startLocalServer` plus what the CLI reports about the start. */
export async function launch(
  options: LocalServerOptions,
): Promise<{ server: LocalServer; boot: BootstrapResult }> {
  if (options.plan !== undefined) assertPlan(options.plan);
  for (const name of ['idleTimeout', 'maxConnections'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
      throw new TypeError(`Invalid ${name}: expected a positive integer, got ${String(value)}`);
  }
  const clock = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => {});
  const path = options.db ?? MEMORY;
  const release = claimDatabaseFile(path);
  let db: Database.Database;
  try {
    db = openDatabase(path);
  } catch (err) {
    release();
    throw err;
  }
  let http: Server | undefined;
  try {
    const accounts = new AccountStore(db);
    const events = new EventStore(db);
    const boot = bootstrap(db, accounts, { ...options, now: clock() });
    const commits = new GroupCommit(db);
    // Writes outside ingestion commit the open batch first, so they stand on their own.
    const write = <T>(work: () => T): T => {
      commits.flush();
      return work();
    };
    events.sweep(clock());
    const api = createRequestListener({ accounts, events, commits, clock }, onError);
    http = createServer(options.viewer === false ? api : withViewer(api, onError));
    // A socket that moves no byte for this long (a reader that stopped reading, a stalled
    // upload) is closed, and with it the cursor its response was waiting on.
    http.setTimeout(options.idleTimeout ?? DEFAULTS.idleTimeout);
    // Beyond this, new connections are closed at once rather than queueing without bound.
    http.maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;
    const address = await listen(http, options.port ?? 0, options.host ?? '127.0.0.1');
    // unref'd so an open server handle, not this timer, decides whether the process stays up.
    const sweeper = setInterval(() => {
      try {
        write(() => events.sweep(clock()));
      } catch (err) {
        onError(err);
      }
    }, DAY_MS).unref();
    let closing: Promise<void> | undefined;

    const server: LocalServer = {
      url: `http://${urlHost(address)}:${address.port}`,
      apiKey: boot.apiKey,
      accountId: boot.account.id,
      organizationId: boot.account.organization_id,
      createAccount({ plan = 'free', organizationId } = {}) {
        assertPlan(plan);
        const apiKey = generateApiKey();
        const account = write(
          db.transaction(() => {
            const created = accounts.createAccount(plan, organizationId, clock());
            accounts.addKey(created.id, apiKey, clock());
            return created;
          }),
        );
        return { accountId: account.id, apiKey, organizationId: account.organization_id };
      },
      createApiKey({ accountId = boot.account.id } = {}) {
        if (!accounts.getAccount(accountId)) throw new Error(`Unknown account: ${accountId}`);
        const apiKey = generateApiKey();
        write(() => accounts.addKey(accountId, apiKey, clock()));
        return apiKey;
      },
      revokeApiKey: (key) => write(() => accounts.revoke(key, clock())),
      setPlan(accountId, plan) {
        assertPlan(plan);
        if (!write(() => accounts.setPlan(accountId, plan))) throw new Error(`Unknown account: ${accountId}`);
      },
      sweepRetention: (now = clock()) => write(() => events.sweep(now)),
      close() {
        closing ??= new Promise<void>((resolve) => {
          clearInterval(sweeper);
          const cut = setTimeout(() => http?.closeAllConnections(), CLOSE_GRACE_MS).unref();
          http?.close(() => {
            clearTimeout(cut);
            commits.flush();
            db.close();
            release();
            resolve();
          });
          http?.closeIdleConnections();
        });
        return closing;
      },
    };
    return { server, boot };
  } catch (err) {
    http?.close();
    db.close();
    release();
    throw err;
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlHost({ address, family }: AddressInfo): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return family === 'IPv6' ? `[${address}]` : address;
}

function assertPlan(plan: unknown): asserts plan is Plan {
  if (!isPlan(plan))
    throw new TypeError(`Unknown plan: ${String(plan)} (expected free, starter, growth or pro)`);
}
