/**
 * Metadata keys replaced by `"[REDACTED]"` by default, at any depth, whatever the spelling: case,
 * `-` and `_` are ignored, so `accessToken`, `ACCESS_TOKEN` and `access-token` all match
 * `access_token`. The `redact` option adds to this list; `redact: false` turns redaction off.
 */
export const defaultRedactKeys: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'api_key',
  'apikey',
  'x-api-key',
  'private_key',
  'client_secret',
  'session',
  'session_id',
  'sessionid',
  'csrf_token',
  'xsrf_token',
]);

/** The value that replaces a redacted one. */
export const REDACTED = '[REDACTED]';

/** Nesting deeper than this is cut, so a pathological object cannot stall the finish callback. */
const maxDepth = 32;

/** Returns a copy of metadata with the configured keys redacted (or the input itself when redaction is off). */
export type Redactor = (metadata: Record<string, unknown>) => Record<string, unknown>;

/**
 * Builds the redactor for the `redact` option: `undefined` for the default list, an array for
 * the default list plus those keys, `false` for none.
 *
 * @example
 * const redact = createRedactor(['ssn']);
 * redact({ user: { SSN: '1', Password: 'x', name: 'a' } });
 * // { user: { SSN: '[REDACTED]', Password: '[REDACTED]', name: 'a' } }
 */
export function createRedactor(option: readonly string[] | false | undefined): Redactor {
  if (option === false) return (metadata) => metadata;
  const keys = new Set<string>(defaultRedactKeys.map(normalizeKey));
  for (const key of option ?? []) keys.add(normalizeKey(String(key)));
  return function redactMetadata(metadata) {
    return copy(metadata, keys, 0, undefined) as Record<string, unknown>;
  };
}

function copy(
  value: unknown,
  keys: ReadonlySet<string>,
  depth: number,
  seen: Set<object> | undefined,
): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (depth >= maxDepth) return '[Truncated]';
  // Only objects seen on the current path count: the same object twice side by side is fine.
  const path = seen ?? new Set<object>();
  if (path.has(value)) return '[Circular]';
  path.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item) => copy(item, keys, depth + 1, path));
  } else {
    const obj: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      // A `__proto__` key (from JSON.parse, say) would set the copy's prototype: drop it.
      if (key === '__proto__') continue;
      const item = (value as Record<string, unknown>)[key];
      obj[key] = keys.has(normalizeKey(key)) ? REDACTED : copy(item, keys, depth + 1, path);
    }
    out = obj;
  }
  path.delete(value);
  return out;
}

// Metadata keys repeat from request to request (`user_agent`, `status`...): remember their
// normal form instead of lower-casing and rewriting each one on every finished request.
const normalizedKeys = new Map<string, string>();
const maxNormalizedKeys = 1024;

/** `x-api-key`, `X_API_KEY`, `xApiKey` and `XApiKey` are one name. */
function normalizeKey(key: string): string {
  let normal = normalizedKeys.get(key);
  if (normal === undefined) {
    normal = key.toLowerCase().replace(/[-_]/g, '');
    if (normalizedKeys.size >= maxNormalizedKeys) normalizedKeys.clear(); // keys from user data can be unbounded
    normalizedKeys.set(key, normal);
  }
  return normal;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Shallow-merges `source` into `target` without letting a `__proto__` key change `target`'s
 * prototype. `undefined` values are skipped; `target` is returned.
 *
 * @example
 * mergeMetadata({ a: 1 }, JSON.parse('{"__proto__": {"x": 1}, "b": 2}')); // { a: 1, b: 2 }
 */
export function mergeMetadata(target: Record<string, unknown>, source: unknown): Record<string, unknown> {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return target;
  for (const key of Object.keys(source)) {
    if (key === '__proto__') continue;
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined) target[key] = value;
  }
  return target;
}
