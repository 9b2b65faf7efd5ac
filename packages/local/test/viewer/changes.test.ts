import { describe, expect, test } from 'vitest';
import { diffRows, findChanges } from '../../viewer/js/changes.js';

describe('findChanges', () => {
  test('reads the conventional record at the top of the metadata', () => {
    expect(
      findChanges({ route: '/invoices/:id', field: 'amount', old_value: 1200, new_value: 1500 }),
    ).toEqual([{ field: 'amount', before: 1200, after: 1500 }]);
  });

  test('a record with one side only is still a change, named "value" without a field', () => {
    expect(findChanges({ new_value: 'sent' })).toEqual([
      { field: 'value', before: undefined, after: 'sent' },
    ]);
  });

  test('finds records in arrays and nested objects, named by field or by path', () => {
    const metadata = {
      changes: [
        { field: 'status', old_value: 'draft', new_value: 'sent' },
        { field: 'total', old_value: 10, new_value: 12 },
      ],
      title: { old: 'Q3', new: 'Q4' },
      settings: { theme: { before: 'light', after: 'dark' } },
    };
    expect(findChanges(metadata)).toEqual([
      { field: 'status', before: 'draft', after: 'sent' },
      { field: 'total', before: 10, after: 12 },
      { field: 'title', before: 'Q3', after: 'Q4' },
      { field: 'settings.theme', before: 'light', after: 'dark' },
    ]);
  });

  test('an old or new key alone is not a pair, and plain metadata has no change', () => {
    expect(findChanges({ old: 1, other: { new: 2 } })).toEqual([]);
    expect(findChanges({ ip: '127.0.0.1', status: 200 })).toEqual([]);
    expect(findChanges(null)).toEqual([]);
  });
});

describe('diffRows', () => {
  test('a scalar change is one row', () => {
    expect(diffRows({ field: 'amount', before: 1, after: 2 })).toEqual([
      { field: 'amount', before: 1, after: 2, kind: 'changed' },
    ]);
  });

  test('objects are compared key by key, nested keys joined with dots, unchanged keys left out', () => {
    const rows = diffRows({
      field: 'invoice',
      before: { amount: 1, customer: 'Acme', address: { city: 'Oslo', zip: '0150' }, note: 'x' },
      after: { amount: 2, customer: 'Acme', address: { city: 'Bergen', zip: '0150' }, due: '2026-12-31' },
    });
    expect(rows).toEqual([
      { field: 'invoice.amount', before: 1, after: 2, kind: 'changed' },
      { field: 'invoice.address.city', before: 'Oslo', after: 'Bergen', kind: 'changed' },
      { field: 'invoice.note', before: 'x', after: undefined, kind: 'removed' },
      { field: 'invoice.due', before: undefined, after: '2026-12-31', kind: 'added' },
    ]);
  });

  test('a record whose sides are equal still shows, as recorded', () => {
    expect(diffRows({ field: 'amount', before: 5, after: 5 })).toEqual([
      { field: 'amount', before: 5, after: 5, kind: 'changed' },
    ]);
  });
});
