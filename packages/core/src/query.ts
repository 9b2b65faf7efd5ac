import { AuditLedgeValidationError } from './errors.js';
import type { ExportOptions, QueryFilters } from './types.js';

const STRING_FILTERS = [
  'search',
  'actor_id',
  'actor_name',
  'action',
  'resource_type',
  'organization_id',
] as const;
const DATE_FILTERS = ['start_date', 'end_date'] as const;
const QUERY_KEYS = new Set<string>([...STRING_FILTERS, ...DATE_FILTERS, 'limit', 'offset']);
const EXPORT_KEYS = new Set<string>([...STRING_FILTERS, ...DATE_FILTERS, 'format']);

/** Builds the query string of `GET /v1/events` or `/v1/events/export`, checking each filter. */
export function buildQuery(
  filters: QueryFilters | ExportOptions | undefined,
  kind: 'query' | 'export',
): string {
  if (filters === undefined) return '';
  if (filters === null || typeof filters !== 'object') {
    throw new AuditLedgeValidationError('filters', 'must be an object');
  }
  const allowed = kind === 'query' ? QUERY_KEYS : EXPORT_KEYS;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || value === null) continue;
    if (!allowed.has(key)) {
      throw new AuditLedgeValidationError(
        key,
        `is not a filter of ${kind === 'query' ? 'query()' : 'export()'}`,
      );
    }
    params.set(key, encodeFilter(key, value));
  }
  const qs = params.toString();
  return qs === '' ? '' : `?${qs}`;
}

function encodeFilter(key: string, value: unknown): string {
  if (key === 'limit' || key === 'offset') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new AuditLedgeValidationError(key, 'must be a non-negative integer');
    }
    return String(value);
  }
  if (key === 'start_date' || key === 'end_date') {
    const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      throw new AuditLedgeValidationError(key, 'must be a Date or an ISO 8601 string');
    }
    // A string is passed as written (a date-only bound keeps its meaning); a Date goes as ISO UTC.
    return value instanceof Date ? value.toISOString() : (value as string);
  }
  if (key === 'format') {
    if (value !== 'json' && value !== 'csv')
      throw new AuditLedgeValidationError(key, "must be 'json' or 'csv'");
    return value;
  }
  if (typeof value !== 'string') throw new AuditLedgeValidationError(key, 'must be a string');
  return value;
}
