import { parseIsoDate, toStoredTimestamp } from './dates.js';
import { HttpError } from './httpError.js';

/** A `POST /v1/events` body after validation, before the server fills in its defaults. */
export interface EventInput {
  actor_id: string;
  actor_name: string | null;
  actor_email: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  resource_name: string | null;
  /** JSON text, or null. */
  metadata: string | null;
  /** Null when absent: the key's organization applies. */
  organization_id: string | null;
  /** Null when absent: the server's time applies. */
  timestamp: string | null;
}

type Json = Record<string, unknown>;

/** Nesting allowed in `metadata`, counting the metadata object itself as level 1. */
export const MAX_METADATA_DEPTH = 64;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const missing = (value: unknown) => value === undefined || value === null || value === '';

const invalid = (field: string, expected: string) =>
  new HttpError(400, `Invalid field: ${field} must be ${expected}`);

/**
 * Checks a parsed request body against the API contract. `Missing required fields` is kept
 * word for word from the hosted API; every other problem names the field.
 *
 * @example
 * validateEvent({ actor: { id: 'u1' }, action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_1' } });
 */
export function validateEvent(body: unknown): EventInput {
  if (!isObject(body)) throw new HttpError(400, 'Request body must be a JSON object');
  const { actor, resource } = body;
  if (!missing(actor) && !isObject(actor)) throw invalid('actor', 'an object');
  if (!missing(resource) && !isObject(resource)) throw invalid('resource', 'an object');
  const a = (actor ?? {}) as Json;
  const r = (resource ?? {}) as Json;
  if (missing(a.id) || missing(body.action) || missing(r.type) || missing(r.id)) {
    throw new HttpError(400, 'Missing required fields');
  }
  return {
    actor_id: required(a.id, 'actor.id'),
    actor_name: optional(a.name, 'actor.name'),
    actor_email: optional(a.email, 'actor.email'),
    action: required(body.action, 'action'),
    resource_type: required(r.type, 'resource.type'),
    resource_id: required(r.id, 'resource.id'),
    resource_name: optional(r.name, 'resource.name'),
    metadata: metadata(body.metadata),
    organization_id: optional(body.organization_id, 'organization_id') || null,
    timestamp: timestamp(body.timestamp),
  };
}

function required(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'a string');
  return value;
}

function optional(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(field, 'a string');
  return value;
}

function metadata(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw invalid('metadata', 'an object');
  // JSON.parse takes any depth, but serialising (here and in every client that reads the
  // event back) recurses and overflows the stack far sooner: refuse it here, as a 400.
  if (depthExceeds(value, MAX_METADATA_DEPTH)) {
    throw invalid('metadata', `nested at most ${MAX_METADATA_DEPTH} levels deep`);
  }
  return JSON.stringify(value);
}

/** Iterative, so checking a deep value cannot overflow the stack itself. */
function depthExceeds(root: object, max: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}

function timestamp(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const date = typeof value === 'string' ? parseIsoDate(value) : null;
  const stored = date && toStoredTimestamp(date.ms);
  if (!stored) throw invalid('timestamp', 'an ISO 8601 date-time string');
  return stored;
}
