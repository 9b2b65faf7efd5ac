import { type AuditTrail, createAuditTrail } from '@auditledge/core/testing';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { auditMiddleware } from '../src/index.js';

// A create whose response names several ids (a RealWorld article: an internal uuid and the
// slug its routes use) is keyed by the one the app's own item routes take, so its creation
// joins the rest of the resource's history in the trail.

const UUID = '0b6a8c3e-5b1d-4f7e-9a51-8f3c2d1e0a9b';

const errors: unknown[] = [];

function articlesApp(trail: AuditTrail, itemParam: 'slug' | 'id'): express.Express {
  const app = express();
  app.use(auditMiddleware({ client: trail.client, onError: (error) => errors.push(error) }));
  // Mounted two levels down, as apps split their routers: the mount paths are part of the template.
  const articles = express.Router();
  articles.post('/', (_req, res) => {
    res.status(201).json({ article: { id: UUID, slug: 'how-to-x', title: 'How to x' } });
  });
  articles.put(`/:${itemParam}`, (_req, res) => {
    res.json({ article: { id: UUID, slug: 'how-to-x', title: 'How to y' } });
  });
  const api = express.Router();
  api.use('/articles', articles);
  app.use('/api', api);
  return app;
}

const trails: AuditTrail[] = [];
function newTrail(): AuditTrail {
  const trail = createAuditTrail();
  trails.push(trail);
  return trail;
}
afterEach(() => {
  expect(errors).toEqual([]);
});
afterAll(async () => {
  await Promise.all(trails.map((trail) => trail.client.shutdown()));
});

async function createThenUpdate(app: express.Express, trail: AuditTrail, itemId: string) {
  await request(app)
    .post('/api/articles')
    .send({ article: { title: 'How to x' } })
    .expect(201);
  await request(app)
    .put(`/api/articles/${itemId}`)
    .send({ article: { title: 'How to y' } })
    .expect(200);
  await trail.flush();
  return trail.events.map((e) => `${e.action} ${e.resource.type}:${e.resource.id}`);
}

describe('a create keyed like the app’s item routes', () => {
  test('PUT /api/articles/:slug: the create lands on the slug, where the update does', async () => {
    const trail = newTrail();
    expect(await createThenUpdate(articlesApp(trail, 'slug'), trail, 'how-to-x')).toEqual([
      'article.created article:how-to-x',
      'article.updated article:how-to-x',
    ]);
  });

  test('PUT /api/articles/:id: the create keeps the id', async () => {
    const trail = newTrail();
    expect(await createThenUpdate(articlesApp(trail, 'id'), trail, UUID)).toEqual([
      `article.created article:${UUID}`,
      `article.updated article:${UUID}`,
    ]);
  });
});
