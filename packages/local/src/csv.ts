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

// What a spreadsheet may split a cell on: the comma, the `;` of Excel in German or French
// locales, tab, `|`, and line breaks.
const NEEDS_QUOTES = /[",;\t|\r\n]/;
// A formula may start at the start of the cell or right after any of those separators,
// for a reader that splits on one of them without honouring the quotes.
const FORMULA_STARTS = /(?<=^|[,;\t|\r\n])(?=[=+\-@\t\r])/g;

/**
 * One CSV field: quoted (RFC 4180) when it holds a quote or any character a spreadsheet
 * may split on, and with `'` before every character that would start a formula (OWASP's
 * CSV injection advice: `= + - @`, tab, carriage return), at the start and after each
 * separator, so no split of the line yields a cell that evaluates. `null` is an empty field.
 *
 * @example
 * csvField('a,"b"'); // '"a,""b"""'
 * csvField('=SUM(A1)'); // "'=SUM(A1)"
 * csvField('x;=cmd()'); // `"x;'=cmd()"`
 */
export function csvField(value: string | null): string {
  if (value === null || value === '') return '';
  const safe = value.replace(FORMULA_STARTS, "'");
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The header record, CRLF-terminated. */
export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/** One event as a CRLF-terminated record. */
export function csvRecord(row: EventRow): string {
  return `${CSV_COLUMNS.map((column) => csvField(row[column])).join(',')}\r\n`;
}
