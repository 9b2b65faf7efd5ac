import { toId } from './identity.js';

// Bodies bigger than this are not parsed for an id: a create answers with the created object,
// and parsing a large export body in the finish callback would cost more than it is worth.
const maxParsedLength = 64 * 1024;

/**
 * The id of the resource a JSON response describes: `body.id`, else `body.data.id`, else
 * `body[type].id`. Accepts the body as an object or as a JSON string (parsed only here, once
 * the id is known to be needed). Numbers are stringified.
 *
 * @example
 * idFromBody('{"id":"inv_9"}', 'invoice'); // 'inv_9'
 * idFromBody({ invoice: { id: 9 } }, 'invoice'); // '9'
 */
export function idFromBody(body: unknown, type: string | undefined): string | undefined {
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
  const b = value as Record<string, unknown>;
  return toId(b.id) ?? nestedId(b.data) ?? (type === undefined ? undefined : nestedId(b[type]));
}

function nestedId(value: unknown): string | undefined {
  return value !== null && typeof value === 'object'
    ? toId((value as Record<string, unknown>).id)
    : undefined;
}
