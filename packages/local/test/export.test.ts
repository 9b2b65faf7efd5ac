import { describe, expect, test } from 'vitest';
import type { StoredEvent } from '../src/index.js';
import { call, list, logEvent, logMany, start } from './helpers.js';

/** Splits RFC 4180 CSV into records of fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted) {
      field += c;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return records;
}

const HEADER =
  'id,timestamp,actor_id,actor_name,action,resource_type,resource_id,resource_name,organization_id';

describe('GET /v1/events/export', () => {
  test('json (the default) is an array of every match, newest first, without paging', async () => {
    const server = await start();
    expect(
      await logMany(server, 1100, 16, (i) => ({
        timestamp: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
      })),
    ).toEqual(Array(1100).fill(201));
    const reply = await call<StoredEvent[]>(server, '/v1/events/export?limit=5&offset=3');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['content-disposition']).toBeUndefined();
    expect(reply.json).toHaveLength(1100);
    const times = reply.json.map((e) => e.timestamp);
    expect(times).toEqual([...times].sort().reverse());
    expect(new Set(reply.json.map((e) => e.id)).size).toBe(1100);
    const page = await list(server, 'limit=1000');
    expect(reply.json.slice(0, 1000)).toEqual(page.events);
  });

  test('batches stay exact when many events share a timestamp', async () => {
    const server = await start();
    await logMany(server, 1201, 16, () => ({ timestamp: '2024-05-05T05:05:05.000Z' }));
    const reply = await call<StoredEvent[]>(server, '/v1/events/export');
    expect(new Set(reply.json.map((e) => e.id)).size).toBe(1201);
    expect(reply.json.slice(0, 1000)).toEqual((await list(server, 'limit=1000')).events);
  });

  test('csv has the documented headers, columns and quoting, and neutralises formulas', async () => {
    const server = await start({ organizationId: 'org_x' });
    const a = await logEvent(server, {
      timestamp: '2024-03-01T00:00:00.000Z',
      actor: { id: 'u1', name: 'Smith, "Jo"', email: 'jo@example.com' },
      resource: { type: 'invoice', id: 'inv_1', name: 'two\r\nlines' },
      metadata: { not: 'exported' },
    });
    const b = await logEvent(server, {
      timestamp: '2024-03-02T00:00:00.000Z',
      actor: { id: '=cmd|" /C calc"!A0', name: '@SUM(1+1)' },
      action: '+invoice.created',
      resource: { type: '-x', id: '\tid' },
    });
    const reply = await call(server, '/v1/events/export?format=csv');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(reply.headers['content-disposition']).toBe('attachment; filename=audit_logs.csv');
    expect(reply.text.startsWith(`${HEADER}\r\n`)).toBe(true);
    expect(reply.text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(reply.text)).toEqual([
      HEADER.split(','),
      [
        b.id,
        b.timestamp,
        '\'=cmd|" /C calc"!A0',
        "'@SUM(1+1)",
        "'+invoice.created",
        "'-x",
        "'\tid",
        '',
        'org_x',
      ],
      [
        a.id,
        a.timestamp,
        'u1',
        'Smith, "Jo"',
        'invoice.deleted',
        'invoice',
        'inv_1',
        'two\r\nlines',
        'org_x',
      ],
    ]);
    expect(reply.text).not.toContain('exported');
    expect(reply.text).not.toContain('jo@example.com');
  });

  test('applies the same filters as the list', async () => {
    const server = await start();
    await logEvent(server, { action: 'invoice.created' });
    await logEvent(server, { action: 'user.login' });
    const json = await call<StoredEvent[]>(server, '/v1/events/export?action=INVOICE');
    expect(json.json.map((e) => e.action)).toEqual(['invoice.created']);
    const csv = await call(server, '/v1/events/export?format=csv&action=login');
    expect(parseCsv(csv.text).map((r) => r[4])).toEqual(['action', 'user.login']);
  });

  test('an empty result is [] or the header alone', async () => {
    const server = await start();
    expect((await call(server, '/v1/events/export')).json).toEqual([]);
    expect((await call(server, '/v1/events/export?format=csv')).text).toBe(`${HEADER}\r\n`);
  });

  test("only the caller's account is exported", async () => {
    const server = await start();
    const other = server.createAccount();
    await logEvent(server, {}, { key: other.apiKey });
    expect((await call(server, '/v1/events/export')).json).toEqual([]);
  });

  test('an unknown format is 400', async () => {
    const server = await start();
    const reply = await call(server, '/v1/events/export?format=xml');
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: 'Invalid format: expected json or csv' });
  });
});

/**
 * Splits CSV as a spreadsheet does with `separator` as its list separator: a quote is
 * special only at the start of a field, and line breaks outside quotes end the record.
 */
function openAsSpreadsheet(text: string, separator: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStart = true;
  const endField = () => {
    record.push(field);
    field = '';
    fieldStart = true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
      continue;
    }
    if (c === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (c === separator) {
      endField();
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endField();
      records.push(record);
      record = [];
    } else {
      field += c;
      fieldStart = false;
    }
  }
  return records;
}

describe('CSV opened with each list separator', () => {
  const nasty = [
    'x;=cmd|" /C calc"!A0',
    'a|+1',
    'tab\t-2',
    'semi;@SUM(1)',
    'comma,=1+1',
    'line\n=HYPERLINK("http://evil")',
    'cr\r\n+3',
    '\t=tab first',
    'plain; text | here',
  ];

  test.each([',', ';', '\t', '|'])('separator %j: no cell starts a formula', async (separator) => {
    const server = await start();
    for (const [i, value] of nasty.entries()) {
      await logEvent(server, {
        timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
        actor: { id: value, name: value },
        action: value,
        resource: { type: value, id: value, name: value },
      });
    }
    const { text } = await call(server, '/v1/events/export?format=csv');
    const cells = openAsSpreadsheet(text, separator).flat();
    expect(cells.length).toBeGreaterThan(nasty.length);
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    if (separator !== ',') return;
    // Read with the separator it was written for, every cell is the value, `'`-guarded.
    const records = openAsSpreadsheet(text, ',');
    const unguard = (cell: string) => cell.replace(/(?<=^|[,;\t|\r\n])'(?=[=+\-@\t\r])/g, '');
    expect(records.slice(1).map((r) => unguard(r[2] as string))).toEqual([...nasty].reverse());
    expect(records.slice(1).map((r) => unguard(r[7] as string))).toEqual([...nasty].reverse());
  });
});
