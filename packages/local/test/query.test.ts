import { describe, expect, test } from 'vitest';
import type { LocalServer } from '../src/index.js';
import { list, logEvent, logMany, start } from './helpers.js';

/** Seven events with known timestamps; returns their ids by name. */
async function seed(server: LocalServer): Promise<Record<string, string>> {
  const specs: Array<[string, Record<string, unknown>]> = [
    [
      'e1',
      {
        t: '2024-03-01T09:00:00.000Z',
        actor: ['u_alice', 'Alice Martin'],
        action: 'invoice.created',
        resource: ['invoice', 'inv_1'],
        org: 'org_a',
      },
    ],
    [
      'e2',
      {
        t: '2024-03-02T10:00:00.000Z',
        actor: ['u_bob', 'Bob Stone'],
        action: 'invoice.deleted',
        resource: ['invoice', 'inv_2'],
        org: 'org_b',
      },
    ],
    [
      'e3',
      {
        t: '2024-03-03T23:59:59.999Z',
        actor: ['u_alice2', 'Ålice Éclair'],
        action: 'user.login',
        resource: ['session', 's_1'],
      },
    ],
    [
      'e4',
      {
        t: '2024-03-04T00:00:00.000Z',
        actor: ['U_ALICE', 'Carol'],
        action: 'Payment.Refunded',
        resource: ['Invoice', 'inv_3'],
      },
    ],
    [
      'e5',
      {
        t: '2024-03-05T12:00:00.000Z',
        actor: ['u_dave', "Dave 100% _real_ O'Neil; x"],
        action: 'report.exported',
        resource: ['report', 'r1'],
      },
    ],
    [
      'tie_a',
      {
        t: '2024-03-06T00:00:00.000Z',
        actor: ['u_x', 'Xavier'],
        action: 'doc.viewed',
        resource: ['doc', 'd1'],
      },
    ],
    [
      'tie_b',
      {
        t: '2024-03-06T00:00:00.000Z',
        actor: ['u_x', 'Xavier'],
        action: 'doc.viewed',
        resource: ['doc', 'd2'],
      },
    ],
  ];
  const ids: Record<string, string> = {};
  for (const [name, s] of specs) {
    const [actorId, actorName] = s.actor as [string, string];
    const [type, id] = s.resource as [string, string];
    const event = await logEvent(server, {
      timestamp: s.t,
      actor: { id: actorId, name: actorName },
      action: s.action,
      resource: { type, id },
      ...(s.org ? { organization_id: s.org } : {}),
    });
    ids[name] = event.id;
  }
  return ids;
}

async function names(server: LocalServer, ids: Record<string, string>, query: string): Promise<string[]> {
  const byId = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  const page = await list(server, query);
  return page.events.map((e) => byId[e.id] ?? e.id);
}

describe('GET /v1/events', () => {
  test('newest first; equal timestamps put the last stored first', async () => {
    const server = await start();
    const ids = await seed(server);
    expect(await names(server, ids, '')).toEqual(['tie_b', 'tie_a', 'e5', 'e4', 'e3', 'e2', 'e1']);
  });

  test.each([
    [
      'search over action, actor_name and resource_type, case-insensitive',
      'search=INVOICE',
      ['e4', 'e2', 'e1'],
    ],
    ['search matches actor_name', 'search=alice', ['e1']],
    ['search folds case beyond ASCII', 'search=%C3%85LICE', ['e3']],
    ['search ignores ids', 'search=inv_1', []],
    ['actor_id is exact and case-sensitive', 'actor_id=u_alice', ['e1']],
    ['actor_id does not match a prefix', 'actor_id=u_ali', []],
    ['actor_name is partial and case-insensitive', 'actor_name=MARTIN', ['e1']],
    ['actor_name folds accents case', 'actor_name=%C3%89CLAIR', ['e3']],
    ['action is partial and case-insensitive', 'action=refund', ['e4']],
    ['action partial matches several', 'action=invoice', ['e2', 'e1']],
    ['resource_type is exact', 'resource_type=invoice', ['e2', 'e1']],
    ['resource_type is case-sensitive', 'resource_type=Invoice', ['e4']],
    ['resource_type does not match a prefix', 'resource_type=invo', []],
    ['organization_id is exact', 'organization_id=org_b', ['e2']],
    ['filters combine with AND', 'action=invoice&organization_id=org_a', ['e1']],
    [
      'start_date and end_date are inclusive to the millisecond',
      'start_date=2024-03-03T23:59:59.999Z&end_date=2024-03-04T00:00:00.000Z',
      ['e4', 'e3'],
    ],
    ['an end_date without a time covers that whole day', 'end_date=2024-03-03', ['e3', 'e2', 'e1']],
    [
      'a start_date without a time starts at midnight UTC',
      'start_date=2024-03-04',
      ['tie_b', 'tie_a', 'e5', 'e4'],
    ],
    ['dates with an offset are converted to UTC', 'end_date=2024-03-02T12:00:00%2B02:00', ['e2', 'e1']],
    ['start after end matches nothing', 'start_date=2024-03-05&end_date=2024-03-01', []],
    ['an empty value is no filter', 'action=&search=', ['tie_b', 'tie_a', 'e5', 'e4', 'e3', 'e2', 'e1']],
  ])('%s (%s)', async (_name, query, expected) => {
    const server = await start();
    const ids = await seed(server);
    expect(await names(server, ids, query)).toEqual(expected);
  });

  test.each([
    ['%', 'search=%25', ['e5']],
    ['_', 'search=_', ['e5']],
    ["'", "actor_name=o'neil", ['e5']],
    [';', 'search=%3B', ['e5']],
    ['an injection attempt', `search=${encodeURIComponent("x'; DROP TABLE events; --")}`, []],
    ['% in an exact filter', 'actor_id=%25', []],
  ])('SQL metacharacters are literal text: %s', async (_name, query, expected) => {
    const server = await start();
    const ids = await seed(server);
    expect(await names(server, ids, query)).toEqual(expected);
    expect((await list(server)).total).toBe(7);
  });

  test('total ignores paging; limit and offset are echoed', async () => {
    const server = await start();
    const ids = await seed(server);
    const page = await list(server, 'limit=2&offset=1');
    expect(page.events.map((e) => e.id)).toEqual([ids.tie_a, ids.e5]);
    expect(page).toMatchObject({ total: 7, limit: 2, offset: 1 });
    expect(await list(server, 'limit=2&offset=100')).toEqual({ events: [], total: 7, limit: 2, offset: 100 });
    expect(await list(server, 'limit=0')).toEqual({ events: [], total: 7, limit: 0, offset: 0 });
  });

  test('total counts filtered matches, not the page', async () => {
    const server = await start();
    await seed(server);
    expect(await list(server, 'action=invoice&limit=1')).toMatchObject({ total: 2, limit: 1 });
  });

  test('limit defaults to 20 and is clamped to 1000, reporting the applied value', async () => {
    const server = await start();
    expect(await logMany(server, 1001)).toEqual(Array(1001).fill(201));
    const first = await list(server);
    expect(first.events).toHaveLength(20);
    expect(first).toMatchObject({ total: 1001, limit: 20, offset: 0 });
    const clamped = await list(server, 'limit=5000');
    expect(clamped.events).toHaveLength(1000);
    expect(clamped).toMatchObject({ total: 1001, limit: 1000 });
  });

  test("another account's events never show, in the page or the total", async () => {
    const server = await start();
    await seed(server);
    const other = server.createAccount();
    await logEvent(server, { action: 'invoice.created' }, { key: other.apiKey });
    expect(await list(server, 'action=invoice', other.apiKey)).toMatchObject({ total: 1 });
    expect((await list(server)).total).toBe(7);
  });
});
