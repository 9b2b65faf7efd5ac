import type { Actor } from '../types.js';

/** The actor of a request with no authenticated user. */
export const ANONYMOUS_ACTOR: Readonly<Actor> = Object.freeze({ id: 'anonymous' });

/**
 * An id as the API wants it: strings as they are, numbers and bigints stringified, an object
 * with its own `toString` (a Mongo `ObjectId`) through it. Anything else is `undefined`.
 *
 * @example
 * toId(42); // '42'
 */
export function toId(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'bigint') return String(value);
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    value.toString !== Object.prototype.toString
  ) {
    const text = String(value);
    return text === '' ? undefined : text;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The fields of a user or organization object. ORM models (Bookshelf, Sequelize, Mongoose)
 * keep theirs behind `get()` and hand them out through `toJSON()`; a plain object is itself.
 * A `toJSON` that throws or returns a non-object leaves the object as it is.
 */
function plainFields(value: object): Record<string, unknown> {
  const v = value as Record<string, unknown> & { toJSON?: unknown };
  if (typeof v.toJSON !== 'function' || value instanceof Date) return v;
  try {
    const json: unknown = (v.toJSON as () => unknown)();
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      // The model's own properties (Bookshelf's `id`) count where its JSON has none.
      return { ...v, ...(json as Record<string, unknown>) };
    }
  } catch {
    // A model that cannot serialize is read as it is.
  }
  return v;
}

/**
 * Reads an actor from a user object as auth libraries shape it: the id from `id`, `_id`,
 * `sub` or `userId`; the name from `name`, `username` or `displayName`; `email`. Only those
 * three fields are kept, so a password hash on the user never reaches the audit trail.
 * ORM models are read through their `toJSON()`. A plain string or number is the id. Returns
 * `undefined` when no id can be found.
 *
 * @example
 * toActor({ sub: 'u_1', email: 'a@b.co', passwordHash: '...' }); // { id: 'u_1', email: 'a@b.co' }
 */
export function toActor(user: unknown): Actor | undefined {
  if (user === null || user === undefined) return undefined;
  if (typeof user !== 'object') {
    const id = toId(user);
    return id === undefined ? undefined : { id };
  }
  const u = plainFields(user);
  const id = toId(u.id) ?? toId(u._id) ?? toId(u.sub) ?? toId(u.userId);
  if (id === undefined) return undefined;
  const actor: Actor = { id };
  const name = text(u.name) ?? text(u.username) ?? text(u.displayName);
  if (name !== undefined) actor.name = name;
  const email = text(u.email);
  if (email !== undefined) actor.email = email;
  return actor;
}

/**
 * The tenant of a user object: `organization_id`, `organizationId` or `orgId`, stringified.
 *
 * @example
 * organizationOf({ id: 'u_1', orgId: 7 }); // '7'
 */
export function organizationOf(user: unknown): string | undefined {
  if (user === null || typeof user !== 'object') return undefined;
  const u = plainFields(user);
  return toId(u.organization_id) ?? toId(u.organizationId) ?? toId(u.orgId);
}
