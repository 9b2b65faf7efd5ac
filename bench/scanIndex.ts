// What the local API's `events_scan` index costs ingestion: SQLite inserts (50 per transaction,
// as group commit batches them) into the events table with the index it replaced
// (account_id, timestamp) against events_scan, alternated round by round in one run. The HTTP
// ingestion figure is bench/ingest.ts; this isolates the index.
//
//   pnpm --filter @auditledge/bench exec tsx scanIndex.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fmt, isMain, median, quick } from './lib/run.js';

const COLUMNS = `seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL, timestamp TEXT NOT NULL,
  actor_id TEXT NOT NULL, actor_name TEXT, actor_email TEXT, action TEXT NOT NULL, resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL, resource_name TEXT, metadata TEXT, organization_id TEXT, api_key_id TEXT NOT NULL,
  idempotency_key TEXT, action_lc TEXT NOT NULL, actor_name_lc TEXT, resource_type_lc TEXT NOT NULL,
  UNIQUE (account_id, idempotency_key)`;
const INDEXES = {
  account_time: 'CREATE INDEX i ON events (account_id, timestamp)',
  events_scan:
    'CREATE INDEX i ON events (account_id, timestamp, seq, action_lc, actor_name_lc, resource_type_lc, actor_id, resource_type, organization_id)',
} as const;
type Variant = keyof typeof INDEXES;

function insertsPerSecond(dir: string, variant: Variant, total: number): number {
  const db = new Database(join(dir, `${variant}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE events (${COLUMNS}); ${INDEXES[variant]}`);
  const insert = db.prepare(
    `INSERT INTO events (id, account_id, timestamp, actor_id, actor_name, action, resource_type, resource_id,
      metadata, organization_id, api_key_id, idempotency_key, action_lc, actor_name_lc, resource_type_lc)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const batch = db.transaction((first: number) => {
    for (let i = first; i < first + 50; i++) {
      insert.run(
        `evt_${i}`,
        'acct_1',
        new Date(1.7e12 + i).toISOString(),
        `user_${i % 50}`,
        'Alice',
        'invoice.deleted',
        'invoice',
        `inv_${i}`,
        '{"ip":"127.0.0.1","status":200}',
        'org_1',
        'key_1',
        `idem_${i}`,
        'invoice.deleted',
        'alice',
        'invoice',
      );
    }
  });
  const started = performance.now();
  for (let first = 0; first < total; first += 50) batch(first);
  const rate = total / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

export function scanIndex(): string {
  const rounds = quick ? 2 : 6;
  const total = quick ? 10_000 : 50_000;
  const rates: Record<Variant, number[]> = { account_time: [], events_scan: [] };
  for (let round = 0; round < rounds; round++) {
    for (const variant of Object.keys(INDEXES) as Variant[]) {
      const dir = mkdtempSync(join(tmpdir(), 'al-index-'));
      try {
        rates[variant].push(insertsPerSecond(dir, variant, total));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const before = median(rates.account_time);
  const after = median(rates.events_scan);
  return [
    `### 8. The read index's cost to inserts (SQLite file, 50 inserts per transaction, ${fmt(total)} per round, ${rounds} alternated rounds)`,
    '',
    '| index on events | inserts/s (median) | vs (account_id, timestamp) |',
    '|---|---:|---:|',
    `| (account_id, timestamp), before | ${fmt(before)} | 100.0% |`,
    `| events_scan (9 columns) | ${fmt(after)} | ${((after / before) * 100).toFixed(1)}% |`,
    '',
  ].join('\n');
}

if (isMain(import.meta.url)) console.log(scanIndex());
