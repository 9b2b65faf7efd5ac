// ISO 8601 date-time with an explicit zone, or a plain date (taken as UTC midnight). A date-time
// without a zone is refused: Date.parse would read it in this server's local zone.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * The milliseconds of an ISO 8601 string, or `undefined` for one that names no real instant
 * the API stores: `2024-02-30`, `T24:00`, minute 60, a `+25:00` zone, year 0 or past 9999.
 * `Date.parse` alone is not enough: it rolls `2024-02-30` over to March 1st and `T24:00` to
 * the next day, and the API refuses both (as `@auditledge/local` does).
 *
 * @example
 * parseTimestamp('2024-03-07T10:00:00Z'); // 1709805600000
 * parseTimestamp('2024-02-30'); // undefined
 */
export function parseTimestamp(value: string): number | undefined {
  const m = ISO_8601.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const offset = zoneOffsetMinutes(zone);
  if (offset === undefined) return undefined;
  const date = new Date(
    Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3))),
  );
  date.setUTCFullYear(year); // Date.UTC reads years 0-99 as 1900-1999
  const ms = date.getTime() - offset * 60_000;
  return storable(ms) ? ms : undefined;
}

/** Years 1 to 9999 in UTC: what the API stores (`toISOString()` in its 24-character form). */
export function storable(ms: number): boolean {
  if (!Number.isFinite(ms)) return false;
  const iso = new Date(ms).toISOString();
  return iso.length === 24 && !iso.startsWith('0000');
}

function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}
