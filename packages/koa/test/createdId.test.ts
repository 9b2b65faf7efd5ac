import { type AuditTrail, createAuditTrail } from '@auditledge/core/testing';
import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { auditMiddleware } from '../src/index.js';

// A create whose response names several ids (a RealWorld article: an internal uuid and the
// slug its routes use) is keyed by the one the app's own item routes take, so its creation
// joins the rest of the resource's history in the trail. A real Koa Conduit app recorded the
// create on the uuid and everything after it on the slug.

const UUID = '0b6a8c3e-5b1d-4f7e-9a51-8f3c2d1e0a9b';
const errors: unknown[] = [];
const trails: AuditTrail[] = [];

function articlesApp(itemParam: 'slug' | 'id'): { trail: AuditTrail; server: ReturnType<Koa['callback']> } {
  const trail = createAuditTrail();
  trails.push(trail);
  const app = new Koa();
  app.use(auditMiddleware({ client: trail.client, onError: (error) => errors.push(error) }));
  // A router nested under a prefix, as the real app splits its routes.
  const articles = new Router();
  articles.post('/articles', (ctx) => {
    ctx.status = 201;
    ctx.body = { article: { id: UUID, slug: 'how-to-x', title: 'How to x' } };
  });
  articles.put(`/articles/:${itemParam}`, (ctx) => {
    ctx.body = { article: { id: UUID, slug: 'how-to-x', title: 'How to y' } };
  });
  const api = new Router();
  api.use('/api', articles.routes(), articles.allowedMethods());
  app.use(api.routes()).use(api.allowedMethods());
  return { trail, server: app.callback() };
}

afterEach(() => {
  expect(errors).toEqual([]);
});
afterAll(async () => {
  await Promise.all(trails.map((trail) => trail.client.shutdown()));
});

async function createThenUpdate(itemParam: 'slug' | 'id', itemId: string) {
  const { trail, server } = articlesApp(itemParam);
  await request(server)
    .post('/api/articles')
    .send({ article: { title: 'How to x' } })
    .expect(201);
  await request(server)
    .put(`/api/articles/${itemId}`)
    .send({ article: { title: 'How to y' } })
    .expect(200);
  await trail.flush();
  return trail.events.map((e) => `${e.action} ${e.resource.type}:${e.resource.id}`);
}

describe('a create keyed like the app’s item routes', () => {
  test('PUT /api/articles/:slug: the create lands on the slug, where the update does', async () => {
    expect(await createThenUpdate('slug', 'how-to-x')).toEqual([
      'article.created article:how-to-x',
      'article.updated article:how-to-x',
    ]);
  });

  test('PUT /api/articles/:id: the create keeps the id', async () => {
    expect(await createThenUpdate('id', UUID)).toEqual([
      `article.created article:${UUID}`,
      `article.updated article:${UUID}`,
    ]);
  });
});
