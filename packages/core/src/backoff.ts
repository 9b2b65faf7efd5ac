/**
 * Exponential backoff with full jitter (a uniform draw in [0, min(cap, base * 2^n))),
 * which spreads retries from many processes instead of synchronising them.
 */
export function backoffDelay(failures: number, base: number, cap: number, random = Math.random): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(failures, 30));
  return Math.floor(random() * ceiling);
}

/** `Retry-After` as ms from now: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
