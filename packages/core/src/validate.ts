import { AuditLedgeValidationError } from './errors.js';
import { parseTimestamp, storable } from './timestamp.js';
import type { AuditEventInput } from './types.js';

/** The body of `POST /v1/events` after validation, with `timestamp` always set. */
export interface EventPayload {
  actor: { id: string; name?: string | null; email?: string | null };
  action: string;
  resource: { type: string; id: string; name?: string | null };
  organization_id?: string | null;
  metadata?: Record<string, unknown> | null;
  timestamp: string;
}

const EVENT_KEYS = new Set(['actor', 'action', 'resource', 'organization_id', 'metadata', 'timestamp']);
const ACTOR_KEYS = new Set(['id', 'name', 'email']);
const RESOURCE_KEYS = new Set(['type', 'id', 'name']);
const MAX_DEPTH = 32;

// Formatting a date costs more than the rest of validation; events arrive many per millisecond.
let isoMs = 0;
let isoText = '';
/** The time `ms` (default: now) as ISO 8601, formatted once per millisecond. */
function isoNow(ms: number = Date.now()): string {
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

const fail = (field: string, message: string): never => {
  throw new AuditLedgeValidationError(field, message);
};

function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, value === undefined ? 'is required' : 'must be a string');
  if ((value as string).trim() === '') fail(field, 'must not be empty');
  return value as string;
}

function optionalString(value: unknown, field: string): void {
  if (value !== undefined && value !== null && typeof value !== 'string')
    fail(field, 'must be a string or null');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkKeys(value: object, allowed: Set<string>, prefix: string): void {
  for (const key in value) {
    if (!allowed.has(key))
      fail(prefix + key, `is not a known field (expected one of ${[...allowed].join(', ')})`);
  }
}

/**
 * Walks metadata once: JSON values only, no cycles, bounded depth. A bigint is accepted and
 * sent as its decimal string (as ids are); returns whether one was seen, so the caller copies.
 * `key` is where `value` sits in its parent and `path` holds the keys above it: the field's
 * name is only spelled out for an error, not built for every value that passes.
 */
function checkJson(
  value: unknown,
  key: string | number,
  path: Array<string | number>,
  seen: unknown[],
): boolean {
  switch (typeof value) {
    case 'bigint':
      return true;
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      if (!Number.isFinite(value))
        failAt(path, key, 'must be a finite number (NaN and Infinity do not survive JSON)');
      return false;
    case 'undefined':
      return false; // dropped by JSON, like JSON.stringify does for object members
    case 'object': {
      if (value === null) return false;
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) failAt(path, key, 'is an invalid Date');
        return false;
      }
      let bigints = false;
      if (path.length >= MAX_DEPTH) failAt(path, key, `nests deeper than ${MAX_DEPTH} levels`);
      if (seen.includes(value)) failAt(path, key, 'contains a circular reference');
      if (Array.isArray(value)) {
        seen.push(value);
        path.push(key);
        for (let i = 0; i < value.length; i++) bigints = checkJson(value[i], i, path, seen) || bigints;
      } else if (isPlainObject(value)) {
        seen.push(value);
        path.push(key);
        for (const k of Object.keys(value)) bigints = checkJson(value[k], k, path, seen) || bigints;
      } else {
        return failAt(
          path,
          key,
          `must be a plain object, array or JSON value (got ${value.constructor?.name ?? 'object'})`,
        );
      }
      path.pop();
      seen.pop();
      return bigints;
    }
    default:
      return failAt(path, key, `cannot be serialized to JSON (got ${typeof value})`);
  }
}

/** Fails naming `metadata.a.list[2]`: the keys in `path` (from the root's), then `key`. */
function failAt(path: Array<string | number>, key: string | number, message: string): never {
  let field = '';
  for (const k of [...path, key]) field += typeof k === 'number' ? `[${k}]` : field === '' ? k : `.${k}`;
  return fail(field, message);
}

/**
 * A copy of JSON-checked metadata with every bigint as its decimal string: `{ n: 10n }` is
 * sent as `{ "n": "10" }`, by the client and by the adapters alike.
 *
 * @example
 * bigintsToStrings({ amount: 12345678901234567890n }); // { amount: '12345678901234567890' }
 */
export function bigintsToStrings(value: unknown): unknown {
  if (typeof value === 'bigint') return String(value);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(bigintsToStrings);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key !== '__proto__') out[key] = bigintsToStrings((value as Record<string, unknown>)[key]);
  }
  return out;
}

function normalizeTimestamp(value: unknown): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) fail('timestamp', 'is an invalid Date');
    if (!storable(value.getTime())) fail('timestamp', 'must be between the years 1 and 9999 (UTC)');
    return value.toISOString();
  }
  if (typeof value !== 'string') return fail('timestamp', 'must be a Date or an ISO 8601 string');
  const ms = parseTimestamp(value);
  if (ms === undefined) {
    return fail(
      'timestamp',
      'must be a real ISO 8601 date or date-time with a zone, years 1-9999 (e.g. 2024-03-07T10:00:00Z)',
    );
  }
  return new Date(ms).toISOString();
}

/**
 * Checks an event before anything is sent and returns the payload to send.
 * Throws `AuditLedgeValidationError` naming the first offending field.
 *
 * @example
 * validateEvent({ actor: { id: 'u1' }, action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_1' } });
 */
export function validateEvent(input: AuditEventInput, now?: Date): EventPayload {
  return toPayload(input, now);
}

/** `validateEvent`, for the client: `now` may be the clock reading (ms) it already took. */
export function toPayload(input: AuditEventInput, now: Date | number | undefined): EventPayload {
  if (!isPlainObject(input)) fail('event', 'must be an object');
  checkKeys(input, EVENT_KEYS, '');
  const { actor, resource, metadata } = input;
  let metadataOut: unknown = metadata;
  if (!isPlainObject(actor)) fail('actor', actor === undefined ? 'is required' : 'must be an object');
  checkKeys(actor, ACTOR_KEYS, 'actor.');
  requiredString(actor.id, 'actor.id');
  optionalString(actor.name, 'actor.name');
  optionalString(actor.email, 'actor.email');
  requiredString(input.action, 'action');
  if (!isPlainObject(resource))
    fail('resource', resource === undefined ? 'is required' : 'must be an object');
  checkKeys(resource, RESOURCE_KEYS, 'resource.');
  requiredString(resource.type, 'resource.type');
  requiredString(resource.id, 'resource.id');
  optionalString(resource.name, 'resource.name');
  optionalString(input.organization_id, 'organization_id');
  if (metadata !== undefined && metadata !== null) {
    if (!isPlainObject(metadata)) fail('metadata', 'must be a plain object');
    if (checkJson(metadata, 'metadata', [], [])) metadataOut = bigintsToStrings(metadata);
  }
  const payload: EventPayload = {
    actor,
    action: input.action,
    resource,
    timestamp:
      input.timestamp !== undefined
        ? normalizeTimestamp(input.timestamp)
        : typeof now === 'number'
          ? isoNow(now)
          : now !== undefined
            ? now.toISOString()
            : isoNow(),
  };
  if (input.organization_id != null) payload.organization_id = input.organization_id;
  if (metadataOut != null) payload.metadata = metadataOut as Record<string, unknown>;
  return payload;
}
