import type { AddressInfo } from 'node:net';
import { type AuditTrail, createAuditTrail } from '@auditledge/core/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { auditledge } from '../src/index.js';

// A create whose response names several ids (a RealWorld article: an internal uuid and the
// slug its routes use) is keyed by the one the app's own item routes take, so its creation
// joins the rest of the resource's history in the trail.

const UUID = '0b6a8c3e-5b1d-4f7e-9a51-8f3c2d1e0a9b';
const errors: unknown[] = [];
const apps: { app: FastifyInstance; trail: AuditTrail }[] = [];

async function articlesApp(itemParam: 'slug' | 'id'): Promise<{ url: string; trail: AuditTrail }> {
  const trail = createAuditTrail();
  const app = Fastify();
  apps.push({ app, trail });
  await app.register(auditledge, { client: trail.client, onError: (error) => errors.push(error) });
  // Routes in an encapsulated plugin under a prefix, as apps split them.
  await app.register(
    async (api) => {
      api.post('/articles', async (_request, reply) => {
        reply.code(201);
        return { article: { id: UUID, slug: 'how-to-x', title: 'How to x' } };
      });
      api.put(`/articles/:${itemParam}`, async () => ({
        article: { id: UUID, slug: 'how-to-x', title: 'How to y' },
      }));
    },
    { prefix: '/api' },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, trail };
}

afterEach(() => {
  expect(errors).toEqual([]);
});
afterAll(async () => {
  for (const { app, trail } of apps) {
    await app.close();
    await trail.client.shutdown();
  }
});

async function createThenUpdate(itemParam: 'slug' | 'id', itemId: string) {
  const { url, trail } = await articlesApp(itemParam);
  const json = { 'content-type': 'application/json' };
  const body = JSON.stringify({ article: { title: 'How to x' } });
  expect((await fetch(`${url}/api/articles`, { method: 'POST', headers: json, body })).status).toBe(201);
  expect((await fetch(`${url}/api/articles/${itemId}`, { method: 'PUT', headers: json, body })).status).toBe(
    200,
  );
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
