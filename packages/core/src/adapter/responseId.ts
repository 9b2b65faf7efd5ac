import { toId } from './identity.js';

// Bodies bigger than this are not parsed for an id: a create answers with the created object,
// and parsing a large export body in the finish callback would cost more than it is worth.
const maxParsedLength = 64 * 1024;

/**
 * The fields a created resource's id is read from, in this order: the identifiers real APIs
 * answer with (`slug` for articles, `username` for users, `key` for settings). When the app
 * declares an item route whose param names one of them (`/articles/:slug`), that one comes first.
 */
export const ID_FIELDS: readonly string[] = Object.freeze(['id', '_id', 'uuid', 'slug', 'key', 'username']);

// A resource whose `key` is a credential (`POST /api-keys` answering `{ key: "sk_..." }`)
// must not have it stored as its id.
const secretType = /(?:^|_)(?:key|token|secret|password|credential)s?$/;

/**
 * A JSON response body as an object: the body itself when the handler answered an object, or
 * the parse of a JSON string (only objects, up to 64 KiB). `undefined` for anything else.
 *
 * @example
 * bodyObject('{"id":"inv_9"}'); // { id: 'inv_9' }
 */
export function bodyObject(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (typeof value === 'string') {
    if (value.length > maxParsedLength || value[0] !== '{') return undefined;
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    return undefined;
  }
  return value as Record<string, unknown>;
}

/**
 * A JSON response body as a value for `info.body`: an object or array as the handler gave it,
 * or the parse of a JSON string (up to 64 KiB). `undefined` for anything else (a stream, a
 * buffer, HTML, a body too large to be worth parsing after the response).
 *
 * @example
 * bodyValue('[1,2]'); // [1, 2]
 */
export function bodyValue(body: unknown): unknown {
  if (typeof body === 'string') {
    if (body.length > maxParsedLength || (body[0] !== '{' && body[0] !== '[')) return undefined;
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (
    body === null ||
    typeof body !== 'object' ||
    ArrayBuffer.isView(body) ||
    typeof (body as { pipe?: unknown }).pipe === 'function'
  ) {
    return undefined;
  }
  return body;
}

/**
 * The id of the resource a JSON response describes: the first of `ID_FIELDS` at the top of the
 * body, else under the resource's own key (`{ article: { slug } }`, `{ apiKey: { id } }` for
 * type `api_key`), else under `data`. `preferred`, the field the app's own item routes use
 * (`slug` next to `/articles/:slug`, see `DeclaredRoutes`), is looked for first in the same
 * places. Accepts the body as an object or as a JSON string (parsed only here, once the id is
 * known to be needed). Numbers are stringified.
 *
 * @example
 * idFromBody('{"id":"inv_9"}', 'invoice'); // 'inv_9'
 * idFromBody({ article: { slug: 'hello' } }, 'article'); // 'hello'
 * idFromBody({ article: { id: 'a1b2', slug: 'hello' } }, 'article', 'slug'); // 'hello'
 */
export function idFromBody(body: unknown, type: string | undefined, preferred?: string): string | undefined {
  const b = bodyObject(body);
  if (b === undefined) return undefined;
  const keyIsSecret = type !== undefined && secretType.test(type);
  const own = type === undefined ? undefined : underType(b, type);
  if (preferred !== undefined && !(keyIsSecret && preferred === 'key')) {
    const id = fieldOf(b, preferred) ?? fieldOf(own, preferred) ?? fieldOf(b.data, preferred);
    if (id !== undefined) return id;
  }
  return idOf(b, keyIsSecret) ?? idOf(own, keyIsSecret) ?? idOf(b.data, keyIsSecret);
}

/**
 * The object under a resource type's key in a body, snake_case or camelCase:
 * `underType({ apiKey: {...} }, 'api_key')`.
 *
 * @example
 * underType({ article: { slug: 's' } }, 'article'); // { slug: 's' }
 */
export function underType(body: Record<string, unknown>, type: string): unknown {
  const snake = body[type];
  if (snake !== undefined || !type.includes('_')) return snake;
  return body[type.replace(/_(\p{L})/gu, (_, c: string) => c.toUpperCase())];
}

function fieldOf(value: unknown, field: string): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return toId((value as Record<string, unknown>)[field]);
}

function idOf(value: unknown, keyIsSecret: boolean): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  for (const field of ID_FIELDS) {
    if (keyIsSecret && field === 'key') continue;
    const id = toId(o[field]);
    if (id !== undefined) return id;
  }
  return undefined;
}
