import { describe, expect, it } from 'vitest';
import { MEMORY, openDatabase } from '../src/db.js';
import { countSql, scanSql } from '../src/eventStore.js';
import { type EventFilters, whereClause } from '../src/filters.js';

// Every read must be decided from the `events_scan` index: a filter that SQLite can only test on
// the table row makes it load each candidate row, metadata (up to 1 MiB) and all, with the event
// loop held. Measured before this index existed (bench/reads.ts, 1 GiB of 1 MiB events): pages
// filtered by action held ingestion for up to 1.6 s. These plans are what SQLite will run.
const filters: Record<string, EventFilters> = {
  none: {},
  search: { search: 'invoice' },
  actor_id: { actor_id: 'user_1' },
  actor_name: { actor_name: 'ali' },
  action: { action: 'deleted' },
  resource_type: { resource_type: 'invoice' },
  organization_id: { organization_id: 'org_1' },
  'from and to': { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
  everything: {
    search: 'inv',
    actor_id: 'user_1',
    actor_name: 'ali',
    action: 'deleted',
    resource_type: 'invoice',
    organization_id: 'org_1',
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-02-01T00:00:00.000Z',
  },
};

const db = openDatabase(MEMORY);
const plan = (sql: string): string => {
  // The plan does not depend on the values bound, only on their number.
  const values = Array.from(sql.matchAll(/\?/g), () => '');
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as { detail: string }[];
  return rows.map((r) => r.detail).join(' | ');
};

describe.each(Object.entries(filters))('filter: %s', (_name, f) => {
  const where = whereClause('acct_1', f).sql;

  it("a page's total is counted from the index alone", () => {
    expect(plan(countSql(where))).toMatch(/^SEARCH events USING COVERING INDEX \w+ \(account_id=\?/);
  });

  it.each(['offset', 'cursor'] as const)(
    'a page from an %s walks the index in page order, no sort',
    (from) => {
      const detail = plan(scanSql(where, from));
      expect(detail).toMatch(/^SEARCH events USING INDEX events_scan \(account_id=\?/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
    },
  );
});

it('a database made before events_scan loses the index it replaces', () => {
  const names = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  expect(names).toContain('events_scan');
  expect(names).not.toContain('events_account_time');
});
