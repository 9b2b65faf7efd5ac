import { inclusiveEnd, parseIsoDate } from './dates.js';
import { HttpError } from './httpError.js';

/** `GET /v1/events` page size when `limit` is absent. */
export const DEFAULT_LIMIT = 20;
/** Larger limits are clamped to this, and the applied value is returned in `limit`. */
export const MAX_LIMIT = 1000;
/**
 * A page also ends after the event that brings it to this many characters of JSON (16 Mi,
 * about 16 maximum-size events), and reports the smaller `limit` it applied: what one
 * response holds is bounded whatever `limit x` event size is. Exports have no such cap:
 * they are streamed whole.
 */
export const MAX_PAGE_CHARS = 16 * 1024 * 1024;

/** The filters of `GET /v1/events` and `/v1/events/export`, validated. */
export interface EventFilters {
  search?: string;
  actor_id?: string;
  actor_name?: string;
  action?: string;
  resource_type?: string;
  organization_id?: string;
  /** Inclusive bounds, as stored timestamps so they compare as text. */
  from?: string;
  to?: string;
}

export interface Paging {
  limit: number;
  offset: number;
}

const TEXT_FILTERS = [
  'search',
  'actor_id',
  'actor_name',
  'action',
  'resource_type',
  'organization_id',
] as const;
const MIN_TS = '0000-01-01T00:00:00.000Z';
const MAX_TS = '9999-12-31T23:59:59.999Z';

/**
 * Reads one query parameter. An empty value counts as absent, like an empty search box;
 * a repeated one is rejected rather than silently picking one of them.
 */
export function param(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new HttpError(400, `Invalid query parameter: ${name} given more than once`);
  return values[0] || undefined;
}

/**
 * Validates the filter parameters; throws a 400 `HttpError` naming the bad one.
 *
 * @example
 * parseFilters(new URLSearchParams('action=invoice&end_date=2024-03-07'));
 * // { action: 'invoice', to: '2024-03-07T23:59:59.999Z' }
 */
export function parseFilters(params: URLSearchParams): EventFilters {
  const filters: EventFilters = {};
  for (const name of TEXT_FILTERS) {
    const value = param(params, name);
    if (value !== undefined) filters[name] = value;
  }
  const start = param(params, 'start_date');
  if (start !== undefined) filters.from = boundary(start, 'start_date', false);
  const end = param(params, 'end_date');
  if (end !== undefined) filters.to = boundary(end, 'end_date', true);
  return filters;
}

function boundary(value: string, name: string, isEnd: boolean): string {
  const date = parseIsoDate(value);
  if (!date) throw new HttpError(400, `Invalid ${name}: expected an ISO 8601 date or date-time`);
  const ms = isEnd ? inclusiveEnd(date) : date.ms;
  const iso = new Date(ms).toISOString();
  // Bounds beyond the four-digit years would not compare as text; every stored timestamp is inside.
  if (iso.length !== 24) return ms < 0 ? MIN_TS : MAX_TS;
  return iso;
}

/**
 * Validates `limit` (default 20, clamped to 1000) and `offset` (default 0).
 *
 * @example
 * parsePaging(new URLSearchParams('limit=5000')); // { limit: 1000, offset: 0 }
 */
export function parsePaging(params: URLSearchParams): Paging {
  const limit = count(params, 'limit') ?? DEFAULT_LIMIT;
  const offset = count(params, 'offset') ?? 0;
  return { limit: Math.min(limit, MAX_LIMIT), offset };
}

function count(params: URLSearchParams, name: string): number | undefined {
  const value = param(params, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new HttpError(400, `Invalid ${name}: expected a non-negative integer`);
  }
  return n;
}

/** A WHERE clause with positional parameters, always scoped to one account. */
export interface Where {
  sql: string;
  params: string[];
}

/**
 * Builds the WHERE clause. Partial matches use `instr` on lowercased copies rather than
 * LIKE, so `%`, `_`, quotes and `;` are plain text with no escaping to get wrong, and the
 * clause text depends only on which filters are present, so statements can be cached.
 */
export function whereClause(accountId: string, f: EventFilters): Where {
  const clauses = ['account_id = ?'];
  const params = [accountId];
  const add = (clause: string, ...values: string[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  if (f.search !== undefined) {
    const needle = f.search.toLowerCase();
    add(
      '(instr(action_lc, ?) > 0 OR instr(actor_name_lc, ?) > 0 OR instr(resource_type_lc, ?) > 0)',
      needle,
      needle,
      needle,
    );
  }
  if (f.actor_id !== undefined) add('actor_id = ?', f.actor_id);
  if (f.actor_name !== undefined) add('instr(actor_name_lc, ?) > 0', f.actor_name.toLowerCase());
  if (f.action !== undefined) add('instr(action_lc, ?) > 0', f.action.toLowerCase());
  if (f.resource_type !== undefined) add('resource_type = ?', f.resource_type);
  if (f.organization_id !== undefined) add('organization_id = ?', f.organization_id);
  if (f.from !== undefined) add('timestamp >= ?', f.from);
  if (f.to !== undefined) add('timestamp <= ?', f.to);
  return { sql: clauses.join(' AND '), params };
}
