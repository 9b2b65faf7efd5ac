// Change records in an event's metadata: the conventional `{ field, old_value, new_value }`
// (at the top or nested, e.g. a `changes` array of them) and any object holding an
// `old`/`new` or `before`/`after` pair, named by its path when it has no `field`.

/** @typedef {{ field: string, before: unknown, after: unknown }} Change */

const PAIRS = /** @type {const} */ ([
  ['old_value', 'new_value'],
  ['old', 'new'],
  ['before', 'after'],
]);
const MAX_DEPTH = 8;

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
export function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every change record in `metadata`, in document order.
 * @param {unknown} metadata
 * @returns {Change[]}
 */
export function findChanges(metadata) {
  /** @type {Change[]} */
  const found = [];
  walk(metadata, '', 0, found);
  return found;
}

/**
 * @param {unknown} value
 * @param {string} path
 * @param {number} depth
 * @param {Change[]} found
 */
function walk(value, path, depth, found) {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, `${path}[${i}]`, depth + 1, found);
    });
    return;
  }
  if (!isPlainObject(value)) return;
  const pair = PAIRS.find(([oldKey, newKey]) =>
    oldKey === 'old_value' ? oldKey in value || newKey in value : oldKey in value && newKey in value,
  );
  if (pair) {
    const named = typeof value.field === 'string' && value.field !== '' ? value.field : null;
    found.push({ field: named ?? (path || 'value'), before: value[pair[0]], after: value[pair[1]] });
  }
  for (const [key, child] of Object.entries(value)) {
    if (pair && (key === pair[0] || key === pair[1])) continue;
    walk(child, path ? `${path}.${key}` : key, depth + 1, found);
  }
}

/**
 * The rows of a before/after table for one change: a scalar change is one row; objects are
 * compared key by key (nested keys joined with dots), listing only what differs.
 * @param {Change} change
 * @returns {{ field: string, before: unknown, after: unknown, kind: 'changed' | 'added' | 'removed' }[]}
 */
export function diffRows(change) {
  /** @type {{ field: string, before: unknown, after: unknown, kind: 'changed' | 'added' | 'removed' }[]} */
  const rows = [];
  const visit = (
    /** @type {string} */ field,
    /** @type {unknown} */ a,
    /** @type {unknown} */ b,
    depth = 0,
  ) => {
    if (isPlainObject(a) && isPlainObject(b) && depth < MAX_DEPTH) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        visit(`${field}.${key}`, key in a ? a[key] : undefined, key in b ? b[key] : undefined, depth + 1);
      }
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const kind = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    rows.push({ field, before: a, after: b, kind });
  };
  visit(change.field, change.before, change.after);
  // A record whose two sides are equal still says something was recorded: show it as is.
  if (rows.length === 0) rows.push({ ...change, kind: 'changed' });
  return rows;
}
