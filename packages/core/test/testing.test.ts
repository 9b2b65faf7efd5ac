import { expect, test } from 'vitest';
import { routeParamsOf } from '../src/adapter/finishedRequest.js';
import { createAuditTrail, sharedAuditTrail } from '../src/testing.js';

test('the in-memory trail stores what the client sends, once per event, and answers reads like the API', async () => {
  const trail = createAuditTrail();
  const stored = await trail.client.log({
    actor: { id: 'u_1', name: 'Ann' },
    action: 'invoice.deleted',
    resource: { type: 'invoice', id: 'inv_1' },
  });
  expect(stored).toMatchObject({ actor_id: 'u_1', actor_name: 'Ann', resource_id: 'inv_1' });
  const id = trail.client.enqueue({
    actor: { id: 'u_2' },
    action: 'user.updated',
    resource: { type: 'user', id: 'u_2' },
  });
  // The same Idempotency-Key again: stored once.
  trail.client.enqueue(
    { actor: { id: 'u_2' }, action: 'user.updated', resource: { type: 'user', id: 'u_2' } },
    { id },
  );
  await trail.flush();
  expect(trail.events.map((e) => e.action)).toEqual(['invoice.deleted', 'user.updated']);
  expect(trail.events[1]).toMatchObject({ id, actor: { id: 'u_2' }, timestamp: expect.any(String) });
  const page = await trail.client.query({ actor_id: 'u_2' });
  expect(page).toMatchObject({ total: 1, events: [{ id, action: 'user.updated' }] });
  expect(await trail.client.get(id)).toMatchObject({ id, resource_type: 'user' });
  trail.clear();
  expect(trail.events).toEqual([]);
  await trail.client.shutdown();
});

test('one shared trail per process', () => {
  expect(sharedAuditTrail()).toBe(sharedAuditTrail());
  expect(sharedAuditTrail()).toBe(
    (globalThis as Record<symbol, unknown>)[Symbol.for('auditledge.testing.sharedTrail')],
  );
});

test('route params: strings as the router matched them; a replaced value read back from the path', () => {
  const matched = { id: '7' };
  expect(routeParamsOf(matched, '/invoices/:id', '/invoices/7')).toBe(matched);
  expect(
    routeParamsOf(
      { slug: 'a', comment: { id: 9, body: 'x' } },
      '/articles/:slug/comments/:comment',
      '/articles/a/comments/5',
    ),
  ).toEqual({ slug: 'a', comment: '5' });
  // A template the path cannot be aligned with: the record's id.
  expect(routeParamsOf({ comment: { id: 9 } }, '/comments{/:comment}', '/comments/5')).toEqual({
    comment: '9',
  });
  expect(routeParamsOf({ n: 3, parts: ['a', 'b'] }, '/x/:n/*parts', '/x/3/a/b')).toEqual({
    n: '3',
    parts: 'a/b',
  });
});
