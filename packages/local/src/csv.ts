import type { EventRow } from './eventJson.js';

/** The export columns of the hosted API, in order (no metadata). */
export const CSV_COLUMNS = [
  'id',
  'timestamp',
  'actor_id',
  'actor_name',
  'action',
  'resource_type',
  'resource_id',
  'resource_name',
  'organization_id',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field: quoted per RFC 4180 when it holds a comma, quote or line break, and
 * prefixed with `'` when it starts with a character that makes spreadsheets evaluate
 * it as a formula (OWASP's CSV injection advice). `null` is an empty field.
 *
 * @example
 * csvField('a,"b"'); // '"a,""b"""'
 * csvField('=SUM(A1)'); // "'=SUM(A1)"
 */
export function csvField(value: string | null): string {
  if (value === null || value === '') return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The header record, CRLF-terminated. */
export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/** One event as a CRLF-terminated record. */
export function csvRecord(row: EventRow): string {
  return `${CSV_COLUMNS.map((column) => csvField(row[column])).join(',')}\r\n`;
}
