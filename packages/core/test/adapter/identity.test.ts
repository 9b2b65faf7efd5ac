import { expect, test } from 'vitest';
import { organizationOf, toActor, toId } from '../../src/adapter/identity.js';
import { idFromBody } from '../../src/adapter/responseId.js';

test('toActor reads id, name and email from the usual user shapes and keeps nothing else', () => {
  expect(toActor({ id: 7, name: 'Ann', email: 'a@x.co', passwordHash: 'h' })).toEqual({
    id: '7',
    name: 'Ann',
    email: 'a@x.co',
  });
  expect(toActor({ _id: { toString: () => '65f0c0ffee' }, username: 'ann' })).toEqual({
    id: '65f0c0ffee',
    name: 'ann',
  });
  expect(toActor({ sub: 'auth0|1', displayName: 'Ann A.' })).toEqual({ id: 'auth0|1', name: 'Ann A.' });
  expect(toActor({ userId: 'u_1' })).toEqual({ id: 'u_1' });
  expect(toActor('u_2')).toEqual({ id: 'u_2' });
  expect(toActor(3)).toEqual({ id: '3' });
  expect(toActor({ name: 'no id' })).toBeUndefined();
  expect(toActor(undefined)).toBeUndefined();
  expect(toActor({ id: '' })).toBeUndefined();
});

test('organizationOf reads organization_id, organizationId or orgId', () => {
  expect(organizationOf({ organization_id: 'org_1' })).toBe('org_1');
  expect(organizationOf({ organizationId: 2 })).toBe('2');
  expect(organizationOf({ orgId: 'org_3' })).toBe('org_3');
  expect(organizationOf({ id: 'u' })).toBeUndefined();
  expect(organizationOf(undefined)).toBeUndefined();
});

test('toId stringifies numbers and bigints and refuses the rest', () => {
  expect(toId(1)).toBe('1');
  expect(toId(2n)).toBe('2');
  expect(toId(Number.NaN)).toBeUndefined();
  expect(toId({})).toBeUndefined();
  expect(toId(['a'])).toBeUndefined();
  expect(toId(true)).toBeUndefined();
});

test('idFromBody reads id, data.id or <type>.id from an object or a JSON string', () => {
  expect(idFromBody({ id: 'inv_9' }, 'invoice')).toBe('inv_9');
  expect(idFromBody('{"id": 9}', 'invoice')).toBe('9');
  expect(idFromBody({ data: { id: 'd_1' } }, 'invoice')).toBe('d_1');
  expect(idFromBody({ invoice: { id: 'i_1' } }, 'invoice')).toBe('i_1');
  expect(idFromBody('not json', 'invoice')).toBeUndefined();
  expect(idFromBody('[{"id":1}]', 'invoice')).toBeUndefined();
  expect(idFromBody(Buffer.from('{"id":1}'), 'invoice')).toBeUndefined();
  expect(idFromBody(undefined, 'invoice')).toBeUndefined();
});
