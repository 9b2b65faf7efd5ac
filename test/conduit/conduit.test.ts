import type { AuditLedgeError, ErrorContext } from '@auditledge/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, type SentEvent, startAuditHarness } from '../support/auditHarness.js';
import { type ConduitApp, expressConduit, fastifyConduit, koaConduit } from './apps.js';
import { ConduitStore } from './store.js';

// A RealWorld ("Conduit") backend per framework, walked through its whole route set: every
// successful mutation must leave exactly the event a person would expect, with the actor who
// did it, and no token or password anywhere in the trail.

interface Step {
  as?: 'jake' | 'ann';
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  status: number;
  /** `[action, actor id, resource type:id]`, or nothing for a step that must leave no trace. */
  event?: [string, string, string];
}

const JAKE = { username: 'jake', email: 'jake@jake.jake', password: 'jakejake-secret-pw' };
const ANN = { username: 'ann', email: 'ann@ann.ann', password: 'annann-secret-pw' };

const WALK: Step[] = [
  {
    method: 'POST',
    path: '/api/users',
    body: { user: JAKE },
    status: 201,
    event: ['user.created', '1', 'user:1'],
  },
  {
    method: 'POST',
    path: '/api/users',
    body: { user: ANN },
    status: 201,
    event: ['user.created', '2', 'user:2'],
  },
  { method: 'POST', path: '/api/users', body: { user: JAKE }, status: 422 },
  {
    method: 'POST',
    path: '/api/users/login',
    body: { user: { email: JAKE.email, password: JAKE.password } },
    status: 200,
    event: ['user.logged_in', '1', 'user:1'],
  },
  {
    method: 'POST',
    path: '/api/users/login',
    body: { user: { email: JAKE.email, password: 'wrong' } },
    status: 401,
  },
  { as: 'jake', method: 'GET', path: '/api/user', status: 200 },
  {
    as: 'jake',
    method: 'PUT',
    path: '/api/user',
    body: { user: { bio: 'I work at statefarm' } },
    status: 200,
    event: ['user.updated', '1', 'user:1'],
  },
  {
    as: 'jake',
    method: 'POST',
    path: '/api/profiles/ann/follow',
    status: 200,
    event: ['profile.followed', '1', 'profile:ann'],
  },
  {
    as: 'jake',
    method: 'POST',
    path: '/api/articles',
    body: { article: { title: 'How to train your dragon', body: 'You have to believe' } },
    status: 201,
    event: ['article.created', '1', 'article:how-to-train-your-dragon'],
  },
  { method: 'POST', path: '/api/articles', body: { article: { title: 'x', body: 'y' } }, status: 401 },
  {
    as: 'jake',
    method: 'PUT',
    path: '/api/articles/how-to-train-your-dragon',
    body: { article: { body: 'With two hands' } },
    status: 200,
    event: ['article.updated', '1', 'article:how-to-train-your-dragon'],
  },
  {
    as: 'ann',
    method: 'PUT',
    path: '/api/articles/how-to-train-your-dragon',
    body: { article: { body: 'mine' } },
    status: 403,
  },
  { as: 'ann', method: 'GET', path: '/api/articles/how-to-train-your-dragon', status: 200 },
  {
    as: 'ann',
    method: 'POST',
    path: '/api/articles/how-to-train-your-dragon/comments',
    body: { comment: { body: 'Thank you so much!' } },
    status: 200,
    event: ['comment.created', '2', 'comment:1'],
  },
  {
    as: 'ann',
    method: 'POST',
    path: '/api/articles/how-to-train-your-dragon/favorite',
    status: 200,
    event: ['article.favorited', '2', 'article:how-to-train-your-dragon'],
  },
  {
    as: 'ann',
    method: 'DELETE',
    path: '/api/articles/how-to-train-your-dragon/favorite',
    status: 200,
    event: ['article.unfavorited', '2', 'article:how-to-train-your-dragon'],
  },
  {
    as: 'ann',
    method: 'DELETE',
    path: '/api/articles/how-to-train-your-dragon/comments/1',
    status: 204,
    event: ['comment.deleted', '2', 'comment:1'],
  },
  {
    as: 'jake',
    method: 'DELETE',
    path: '/api/profiles/ann/follow',
    status: 200,
    event: ['profile.unfollowed', '1', 'profile:ann'],
  },
  {
    as: 'jake',
    method: 'DELETE',
    path: '/api/articles/how-to-train-your-dragon',
    status: 204,
    event: ['article.deleted', '1', 'article:how-to-train-your-dragon'],
  },
  { as: 'jake', method: 'DELETE', path: '/api/articles/how-to-train-your-dragon', status: 404 },
];

const FRAMEWORKS = { express: expressConduit, koa: koaConduit, fastify: fastifyConduit };

describe.each(Object.keys(FRAMEWORKS) as (keyof typeof FRAMEWORKS)[])('a Conduit app on %s', (framework) => {
  let h: AuditHarness;
  let app: ConduitApp;
  const errors: { error: AuditLedgeError; context: ErrorContext }[] = [];
  beforeAll(async () => {
    h = await startAuditHarness();
    app = await FRAMEWORKS[framework](new ConduitStore(), {
      client: h.client,
      onError: (error, context) => errors.push({ error, context }),
    });
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  test('every successful mutation of the route set is recorded as a person would expect; nothing else is', async () => {
    const tokens: Record<string, string> = {};
    const trail: SentEvent[] = [];
    const seen: string[] = [];
    // The article's internal id, answered next to its slug: the routes use the slug, so must the trail.
    const internalIds = new Set<string>();
    for (const step of WALK) {
      const headers: Record<string, string> = {};
      if (step.as !== undefined) headers.authorization = `Token ${tokens[step.as]}`;
      if (step.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(app.url + step.path, {
        method: step.method,
        headers,
        body: step.body === undefined ? undefined : JSON.stringify(step.body),
      });
      const text = await res.text();
      expect(`${step.method} ${step.path} ${res.status}`).toBe(`${step.method} ${step.path} ${step.status}`);
      const answered = text.startsWith('{')
        ? (JSON.parse(text) as { user?: { username: string; token: string }; article?: { id?: string } })
        : undefined;
      const user = answered?.user;
      if (user?.token !== undefined) tokens[user.username] = user.token;
      if (answered?.article?.id !== undefined) internalIds.add(answered.article.id);
      const events = await h.sent();
      trail.push(...events);
      seen.push(...events.map((e) => `${step.method} ${step.path} -> ${e.action}`));
      expect(events.map((e) => [e.action, e.actor.id, `${e.resource.type}:${e.resource.id}`])).toEqual(
        step.event === undefined ? [] : [step.event],
      );
    }
    const mutations = WALK.filter((s) => s.method !== 'GET' && s.status < 400).length;
    expect(trail).toHaveLength(mutations);
    expect(errors).toEqual([]);
    // Signed-in actors carry their name and email; a token or a password is nowhere.
    expect(trail[0]!.actor).toEqual({ id: '1', name: 'jake', email: JAKE.email });
    const stored = JSON.stringify(trail);
    expect(internalIds.size).toBe(1);
    for (const id of internalIds) expect(stored).not.toContain(id);
    for (const secret of [JAKE.password, ANN.password, 'wrong', ...Object.values(tokens), 'eyJ']) {
      expect(stored).not.toContain(secret);
    }
  });
});
