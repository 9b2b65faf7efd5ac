/** A validated ISO 8601 date or date-time. */
export interface IsoDate {
  /** Milliseconds since the epoch; a date without a zone is read as UTC. */
  ms: number;
  /** True for `YYYY-MM-DD` alone, which filters read as the whole day. */
  dateOnly: boolean;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const DAY_MS = 86_400_000;

/**
 * Parses an ISO 8601 date (`2024-03-07`) or date-time (`2024-03-07T10:00:00.000Z`,
 * `2024-03-07T12:00+02:00`). `Date.parse` alone is not enough: it rolls `2024-02-30`
 * over to March and reads zone-less date-times in the server's local zone.
 *
 * @example
 * parseIsoDate('2024-03-07T10:00:00Z'); // { ms: 1709805600000, dateOnly: false }
 * parseIsoDate('2024-02-30'); // null
 */
export function parseIsoDate(value: string): IsoDate | null {
  const m = ISO.exec(value);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear puts them back.
  const date = new Date(utc);
  date.setUTCFullYear(year);
  const offset = zoneOffsetMinutes(zone);
  if (offset === null) return null;
  return { ms: date.getTime() - offset * 60_000, dateOnly: m[4] === undefined };
}

/** The last millisecond a filter bound covers: the end of the day for a date alone. */
export function inclusiveEnd(date: IsoDate): number {
  return date.dateOnly ? date.ms + DAY_MS - 1 : date.ms;
}

function zoneOffsetMinutes(zone: string): number | null {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/**
 * `toISOString` in the fixed 24-character form the store sorts on, or null outside years
 * 1-9999 (there is no year 0 in the calendar the API's dates follow).
 */
export function toStoredTimestamp(ms: number): string | null {
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  return iso.length === 24 && !iso.startsWith('0000') ? iso : null;
}
