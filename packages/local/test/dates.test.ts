import { describe, expect, test } from 'vitest';
import { inclusiveEnd, parseIsoDate, toStoredTimestamp } from '../src/dates.js';

describe('parseIsoDate', () => {
  test.each([
    ['2024-03-07', '2024-03-07T00:00:00.000Z', true],
    ['2024-03-07T10:00', '2024-03-07T10:00:00.000Z', false],
    ['2024-03-07T10:00:05', '2024-03-07T10:00:05.000Z', false],
    ['2024-03-07T10:00:05.1Z', '2024-03-07T10:00:05.100Z', false],
    ['2024-03-07t10:00:05z', '2024-03-07T10:00:05.000Z', false],
    ['2024-03-07 10:00:05Z', '2024-03-07T10:00:05.000Z', false],
    ['2024-03-07T10:00:05-05:30', '2024-03-07T15:30:05.000Z', false],
    ['2024-03-07T10:00:05+0100', '2024-03-07T09:00:05.000Z', false],
    ['2024-03-07T10:00:05+01', '2024-03-07T09:00:05.000Z', false],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', true],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z', false],
  ])('%s is %s', (input, iso, dateOnly) => {
    const date = parseIsoDate(input);
    expect(date && new Date(date.ms).toISOString()).toBe(iso);
    expect(date?.dateOnly).toBe(dateOnly);
  });

  test.each([
    'yesterday',
    '2024-02-30',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-03-07T24:00:00Z',
    '2024-03-07T10:60Z',
    '2024-03-07T10:00:00+25:00',
    '2024-3-7',
    '1709805600000',
    '2024-03-07T10:00:00Z junk',
    '',
  ])('%j is refused', (input) => {
    expect(parseIsoDate(input)).toBeNull();
  });

  test('inclusiveEnd covers the whole day for a date alone', () => {
    expect(new Date(inclusiveEnd(parseIsoDate('2024-03-07')!)).toISOString()).toBe(
      '2024-03-07T23:59:59.999Z',
    );
    expect(new Date(inclusiveEnd(parseIsoDate('2024-03-07T05:00Z')!)).toISOString()).toBe(
      '2024-03-07T05:00:00.000Z',
    );
  });

  test('toStoredTimestamp refuses years outside 1-9999', () => {
    expect(toStoredTimestamp(Date.parse('9999-12-31T23:59:59.999Z'))).toBe('9999-12-31T23:59:59.999Z');
    expect(toStoredTimestamp(Date.parse('0001-01-01T00:00:00.000Z'))).toBe('0001-01-01T00:00:00.000Z');
    expect(toStoredTimestamp(Date.parse('0001-01-01T00:00:00.000Z') - 1)).toBeNull(); // year 0
    expect(toStoredTimestamp(Date.parse('9999-12-31T23:59:59.999Z') + 1)).toBeNull();
    expect(toStoredTimestamp(Number.NaN)).toBeNull();
  });
});
