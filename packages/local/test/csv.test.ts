import { describe, expect, test } from 'vitest';
import { CSV_HEADER, csvField, csvRecord } from '../src/csv.js';

describe('csvField', () => {
  test.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\rlf', '"cr\rlf"'],
    ['', ''],
  ])('quotes per RFC 4180: %j -> %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  test('null is an empty field', () => {
    expect(csvField(null)).toBe('');
  });

  test.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tx', '"\'\tx"'],
    ['\rx', '"\'\rx"'],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['a=b', 'a=b'],
  ])('neutralises formulas: %j -> %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  test.each([
    ['a;b', '"a;b"'],
    ['a|b', '"a|b"'],
    ['a\tb', '"a\tb"'],
    ['x;=cmd()', `"x;'=cmd()"`],
    ['x|+1', `"x|'+1"`],
    ['x\t-1', `"x\t'-1"`],
    ['x,@SUM(1)', `"x,'@SUM(1)"`],
    ['x\n=1', `"x\n'=1"`],
    ['a\t\t=1', `"a\t'\t'=1"`],
    ['2024-03-07', '2024-03-07'],
  ])(
    'quotes every separator a spreadsheet may split on, neutralising formulas after each: %j -> %j',
    (value, expected) => {
      expect(csvField(value)).toBe(expected);
    },
  );
});

describe('csvRecord', () => {
  test('the documented columns, in order, CRLF-terminated, no metadata', () => {
    expect(CSV_HEADER).toBe(
      'id,timestamp,actor_id,actor_name,action,resource_type,resource_id,resource_name,organization_id\r\n',
    );
    const record = csvRecord({
      id: 'id1',
      timestamp: '2024-03-07T10:00:00.000Z',
      actor_id: 'u1',
      actor_name: null,
      actor_email: 'not@exported.com',
      action: 'a.b',
      resource_type: 't',
      resource_id: 'r',
      resource_name: 'x,y',
      metadata: '{"secret":1}',
      organization_id: 'org',
      api_key_id: 'key_1',
    });
    expect(record).toBe('id1,2024-03-07T10:00:00.000Z,u1,,a.b,t,r,"x,y",org\r\n');
  });
});
