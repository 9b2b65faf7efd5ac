import { keyWords, type WordMatcher, wordMatcher } from './secretWords.js';

/**
 * Secret words: a metadata key is redacted when its words contain one of these. Keys are split
 * into words on case changes, digits, `_`, `-`, `.` and spaces (`x-auth-token` is `x auth
 * token`, `newPassword` is `new password`); an entry of several words matches them in a row
 * (`api_key` matches `xApiKey`, `api-key` and `apikey`). The longer, unambiguous words
 * (`password`, `secret`, `token`, `cookie`, ...) also match inside a key written without
 * separators (`newpassword`). Errs on the side of redacting too much. The `redact` option adds
 * to this list, or replaces it with `{ keys, defaults: false }`; `redact: false` turns
 * redaction off.
 */
export const defaultRedactKeys: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'api_key',
  'access_key',
  'private_key',
  'auth',
  'authorization',
  'cookie',
  'session',
  'sid',
  'credential',
  'otp',
  'totp',
  'mfa',
  'pin',
  'cvv',
  'cvc',
  'ssn',
  'csrf',
  'xsrf',
  'jwt',
  'bearer',
]);

/** The value that replaces a redacted one. */
export const REDACTED = '[REDACTED]';

/** The `redact` option: extra keys, `false` for none, or a list that replaces the defaults. */
export type RedactOption = readonly string[] | false | { keys: readonly string[]; defaults?: boolean };

/** Nesting deeper than this is cut, so a pathological object cannot stall the finish callback. */
const maxDepth = 32;

/**
 * Redacts metadata: returns a copy with every secret value replaced, leaving the caller's
 * objects as they were. `owned()` is for a metadata object the caller has just built (the
 * event's own): its top level is redacted in place and only nested objects are copied, which
 * spares a copy and a cycle set on every request.
 */
export interface Redactor {
  (metadata: Record<string, unknown>): Record<string, unknown>;
  owned(metadata: Record<string, unknown>): Record<string, unknown>;
}

// What a key is to the redactor, remembered per key name: keys repeat from request to request.
const SECRET = 1;
/** Names the subject of a change record: `{ field: 'password', old_value, new_value }`. */
const NAMING = 2;
/** Holds a value of a change record. */
const CHANGE_VALUE = 4;

const namingKeys = new Set(['field', 'name', 'key', 'path', 'attribute', 'property', 'setting']);
const changeValueKeys = new Set([
  'oldvalue',
  'newvalue',
  'value',
  'old',
  'new',
  'from',
  'to',
  'before',
  'after',
  'previous',
  'current',
  'previousvalue',
  'currentvalue',
]);

const maxRememberedKeys = 1024;

/**
 * Builds the redactor for the `redact` option: `undefined` for the default words, an array for
 * the defaults plus those, `{ keys, defaults: false }` for those alone, `false` for none.
 *
 * @example
 * const redact = createRedactor(['iban']);
 * redact({ user: { newPassword: 'x', IBAN: 'y', name: 'a' } });
 * // { user: { newPassword: '[REDACTED]', IBAN: '[REDACTED]', name: 'a' } }
 * redact({ field: 'password', old_value: 'a', new_value: 'b' });
 * // { field: 'password', old_value: '[REDACTED]', new_value: '[REDACTED]' }
 */
export function createRedactor(option: RedactOption | undefined): Redactor {
  if (option === false)
    return Object.assign((metadata: Record<string, unknown>) => metadata, { owned: noRedaction });
  const listed = option as { keys?: readonly string[]; defaults?: boolean } | readonly string[] | undefined;
  const extra = Array.isArray(listed) ? listed : ((listed as { keys?: readonly string[] })?.keys ?? []);
  const useDefaults = (listed as { defaults?: boolean } | undefined)?.defaults !== false;
  const matcher = wordMatcher([...(useDefaults ? defaultRedactKeys : []), ...extra.map(String)]);
  const kinds = new Map<string, number>();
  function kindOf(key: string): number {
    let kind = kinds.get(key);
    if (kind === undefined) {
      const normal = key.toLowerCase().replace(/[-_.\s]/g, '');
      kind =
        (matcher(keyWords(key)) ? SECRET : 0) |
        (namingKeys.has(normal) ? NAMING : 0) |
        (changeValueKeys.has(normal) ? CHANGE_VALUE : 0);
      // Keys from user data can be unbounded.
      if (kinds.size >= maxRememberedKeys) kinds.clear();
      kinds.set(key, kind);
    }
    return kind;
  }
  function redactMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
    return copy(metadata, kindOf, matcher, 0, undefined) as Record<string, unknown>;
  }
  function redactOwned(metadata: Record<string, unknown>): Record<string, unknown> {
    let kinds = 0;
    for (const key of Object.keys(metadata)) {
      if (key === '__proto__') continue;
      const kind = kindOf(key);
      kinds |= kind;
      if (kind & SECRET) metadata[key] = REDACTED;
      else {
        const item = metadata[key];
        // Nested values may be the app's own objects: copied, never changed.
        if (item !== null && typeof item === 'object')
          metadata[key] = copy(item, kindOf, matcher, 1, undefined);
      }
    }
    if (kinds & CHANGE_VALUE && kinds & NAMING && namesSecret(metadata, kindOf, matcher)) {
      for (const key of Object.keys(metadata)) if (kindOf(key) & CHANGE_VALUE) metadata[key] = REDACTED;
    }
    return metadata;
  }
  return Object.assign(redactMetadata, { owned: redactOwned });
}

function noRedaction(metadata: Record<string, unknown>): Record<string, unknown> {
  return metadata;
}

function copy(
  value: unknown,
  kindOf: (key: string) => number,
  matcher: WordMatcher,
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
    out = value.map((item) => copy(item, kindOf, matcher, depth + 1, path));
  } else {
    const obj: Record<string, unknown> = {};
    let kinds = 0;
    for (const key of Object.keys(value)) {
      // A `__proto__` key (from JSON.parse, say) would set the copy's prototype: drop it.
      if (key === '__proto__') continue;
      const kind = kindOf(key);
      kinds |= kind;
      const item = (value as Record<string, unknown>)[key];
      obj[key] = kind & SECRET ? REDACTED : copy(item, kindOf, matcher, depth + 1, path);
    }
    // A change record whose subject is a secret: `{ field: 'password', old_value, new_value }`.
    if (kinds & CHANGE_VALUE && kinds & NAMING && namesSecret(obj, kindOf, matcher)) {
      for (const key of Object.keys(obj)) if (kindOf(key) & CHANGE_VALUE) obj[key] = REDACTED;
    }
    out = obj;
  }
  path.delete(value);
  return out;
}

function namesSecret(obj: Record<string, unknown>, kindOf: (key: string) => number, matcher: WordMatcher) {
  for (const key of Object.keys(obj)) {
    const subject = obj[key];
    if (kindOf(key) & NAMING && typeof subject === 'string' && matcher(keyWords(subject))) return true;
  }
  return false;
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
