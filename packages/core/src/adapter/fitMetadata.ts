import { bigintsToStrings } from '../validate.js';

/** Where a value stood whose place the cut left: the key stays, the value does not. */
export const TRUNCATED = '[Truncated]';
const maxDepth = 32;
// A timestamp as the client adds it: its bytes count against maxEventBytes too.
const timestampSample = '2000-01-01T00:00:00.000Z';

/**
 * An event whose metadata the client refused (over `maxEventBytes`, or a value JSON cannot
 * hold), made sendable rather than lost: values JSON cannot hold are cut (bigints become
 * strings, as the client does), then the largest values are replaced by `"[Truncated]"`, then
 * keys are dropped, until the event fits; the metadata is marked `metadata_truncated: true`.
 * `undefined` when even empty metadata does not fit.
 *
 * @example
 * fitMetadata({ actor, action, resource, metadata: { body: 'x'.repeat(1e6) } }, 32_768);
 * // metadata: { body: '[Truncated]', metadata_truncated: true }
 */
export function fitMetadata<E extends { metadata?: Record<string, unknown> | null }>(
  event: E,
  maxBytes: number,
): E | undefined {
  const source = event.metadata;
  if (source === null || source === undefined) return undefined;
  const metadata = jsonSafe(source, 0, new Set()) as Record<string, unknown>;
  metadata.metadata_truncated = true;
  const rest = bytes({ ...event, metadata: {}, timestamp: timestampSample });
  // The metadata's own bytes, without the `{}` counted in `rest`.
  const budget = maxBytes - rest + 2;
  const sizes = new Map<string, number>();
  let total = 2; // {}
  for (const key of Object.keys(metadata)) {
    const size = bytes(key) + 1 + bytes(metadata[key]) + 1;
    sizes.set(key, size);
    total += size;
  }
  if (total > budget) {
    const largest = [...sizes.keys()]
      .filter((key) => key !== 'metadata_truncated')
      .sort((a, b) => sizes.get(b)! - sizes.get(a)!);
    const truncatedSize = bytes(TRUNCATED);
    for (const key of largest) {
      if (total <= budget) break;
      const valueSize = sizes.get(key)! - bytes(key) - 2;
      if (valueSize <= truncatedSize) continue;
      metadata[key] = TRUNCATED;
      total -= valueSize - truncatedSize;
      sizes.set(key, sizes.get(key)! - valueSize + truncatedSize);
    }
    for (const key of largest) {
      if (total <= budget) break;
      delete metadata[key];
      total -= sizes.get(key)!;
    }
  }
  if (bytes({ ...event, metadata, timestamp: timestampSample }) > maxBytes) return undefined;
  return { ...event, metadata };
}

/** A JSON-safe copy: bigints as strings, what JSON cannot hold (NaN, Map, a cycle...) cut. */
function jsonSafe(value: unknown, depth: number, path: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'bigint':
      return bigintsToStrings(value);
    case 'object': {
      if (value === null) return null;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
      if (depth >= maxDepth || path.has(value)) return undefined;
      const proto = Object.getPrototypeOf(value);
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return undefined;
      path.add(value);
      let out: unknown;
      if (Array.isArray(value)) {
        out = value.map((item) => jsonSafe(item, depth + 1, path) ?? null);
      } else {
        const obj: Record<string, unknown> = {};
        for (const key of Object.keys(value)) {
          if (key === '__proto__') continue;
          const item = jsonSafe((value as Record<string, unknown>)[key], depth + 1, path);
          if (item !== undefined) obj[key] = item;
        }
        out = obj;
      }
      path.delete(value);
      return out;
    }
    default:
      return undefined;
  }
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}
