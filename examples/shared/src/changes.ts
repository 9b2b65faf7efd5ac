import type { Change } from './types.js';

type Value = string | number;

/**
 * Applies `patch` to `target` and describes what changed as one `{ field, old_value, new_value }`
 * record, or `undefined` when nothing did. Several changed fields give
 * `{ field: 'amount,customer', old_value: { amount, customer }, new_value: { ... } }`.
 *
 * @example
 * applyChanges(invoice, { amount: 1500 }); // { field: 'amount', old_value: 1200, new_value: 1500 }
 */
export function applyChanges<T extends object>(
  target: T,
  patch: Partial<Record<keyof T, Value>>,
): Change | undefined {
  const changed: { field: string; from: Value; to: Value }[] = [];
  const record = target as Record<string, unknown>;
  for (const [field, to] of Object.entries(patch) as [string, Value | undefined][]) {
    if (to === undefined || record[field] === to) continue;
    changed.push({ field, from: record[field] as Value, to });
    record[field] = to;
  }
  const [first] = changed;
  if (first === undefined) return undefined;
  if (changed.length === 1) return { field: first.field, old_value: first.from, new_value: first.to };
  return {
    field: changed.map((c) => c.field).join(','),
    old_value: Object.fromEntries(changed.map((c) => [c.field, c.from])),
    new_value: Object.fromEntries(changed.map((c) => [c.field, c.to])),
  };
}
