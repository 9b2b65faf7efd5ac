import { expect, test } from 'vitest';
import { isAction, pastTense, undoneTense } from '../../src/adapter/verbs.js';

test.each([
  ['send', 'sent'],
  ['pay', 'paid'],
  ['approve', 'approved'],
  ['cancel', 'cancelled'],
  ['submit', 'submitted'],
  ['retry', 'retried'],
  ['verify', 'verified'],
  ['play', 'played'],
  ['sync', 'synced'],
  ['publish', 'published'],
  ['reset', 'reset'],
  ['archived', 'archived'],
  ['mark_paid', 'marked_paid'],
  ['bulk_delete', 'bulk_deleted'],
  ['overdue', 'marked_overdue'],
  ['primary', 'marked_primary'],
  ['spam', 'marked_spam'],
])('pastTense(%s) is %s', (verb, past) => {
  expect(pastTense(verb)).toBe(past);
});

test.each([
  ['favorite', 'unfavorited'],
  ['follow', 'unfollowed'],
  ['subscribe', 'unsubscribed'],
  ['pin', 'unpinned'],
  ['unfollow', 'unfollowed'],
  ['publish', 'unpublished'],
  ['remove', 'removed'],
  ['cancel', 'cancelled'],
  ['revoke', 'revoked'],
  ['leave', 'left'],
  ['overdue', 'unmarked_overdue'],
  ['spam', 'unmarked_spam'],
])('undoneTense(%s) is %s', (verb, undone) => {
  expect(undoneTense(verb)).toBe(undone);
});

test('parts of a resource are not actions; words that are both depend on the method', () => {
  expect(isAction('send', 'POST')).toBe(true);
  expect(isAction('avatar', 'PUT')).toBe(false);
  expect(isAction('configuration', 'PUT')).toBe(false);
  expect(isAction('membership', 'DELETE')).toBe(false);
  expect(isAction('email', 'POST')).toBe(true);
  expect(isAction('email', 'PUT')).toBe(false);
  expect(isAction('process', 'POST')).toBe(true);
});
