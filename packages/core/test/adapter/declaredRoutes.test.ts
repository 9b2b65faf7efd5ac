import { describe, expect, test } from 'vitest';
import { DeclaredRoutes, idFieldOfParam, itemParam } from '../../src/adapter/declaredRoutes.js';
import { idFromBody } from '../../src/adapter/responseId.js';

// The routes of a RealWorld ("Conduit") API, as the adapters report templates.
const conduit = [
  '/api/users',
  '/api/users/login',
  '/api/user',
  '/api/profiles/:username',
  '/api/profiles/:username/follow',
  '/api/articles',
  '/api/articles/feed',
  '/api/articles/:slug',
  '/api/articles/:slug/favorite',
  '/api/articles/:slug/comments',
  '/api/articles/:slug/comments/:id',
];

describe('itemParam: the param naming a collection’s items in the declared templates', () => {
  test.each([
    ['/api/articles', conduit, 'slug'],
    ['/articles', conduit, 'slug'], // `api` and versions are ignored, as the derivation ignores them
    ['/api/profiles', conduit, 'username'],
    ['/users', ['/users', '/users/:username'], 'username'],
    ['/invoices', ['/invoices', '/invoices/:id', '/invoices/:id/send'], 'id'],
    ['/v1/articles', ['/v1/articles', '/v1/articles/:articleId'], 'articleId'],
    ['/api-keys', ['/api_keys/:api_key_id'], 'api_key_id'],
    // Nested: the comments of an article, whatever the parent's param is called on the item route.
    ['/api/articles/:slug/comments', conduit, 'id'],
    ['/articles/:slug/comments', ['/articles/:articleId/comments/:commentId'], 'commentId'],
    // Regex constraints and Express 5 optional groups are read as the derivation reads them.
    ['/orders', ['/orders/:id(\\d+)'], 'id'],
  ])('%s -> :%s', (collection, declared, param) => {
    expect(itemParam(collection, declared)).toBe(param);
  });

  test('none without an item route of the same collection', () => {
    expect(itemParam('/api/tags', conduit)).toBeUndefined();
    expect(itemParam('/articles', ['/articles', '/articles/:slug/favorite', '/posts/:slug'])).toBeUndefined();
    // Another parent is another collection.
    expect(itemParam('/users/:id/keys', ['/orgs/:id/keys/:keyId'])).toBeUndefined();
    // An item template is not a collection.
    expect(itemParam('/articles/:slug', conduit)).toBeUndefined();
    expect(itemParam('/', ['/:id'])).toBeUndefined();
  });

  test('a param that names an id field wins over an earlier one that does not', () => {
    expect(itemParam('/articles', ['/articles/:article', '/articles/:slug'])).toBe('slug');
    expect(itemParam('/articles', ['/articles/:article'])).toBe('article');
  });
});

test('idFieldOfParam: the body field a param stands for', () => {
  expect(idFieldOfParam('slug')).toBe('slug');
  expect(idFieldOfParam('username')).toBe('username');
  expect(idFieldOfParam('id')).toBe('id');
  expect(idFieldOfParam('_id')).toBe('_id');
  expect(idFieldOfParam('articleId')).toBe('id');
  expect(idFieldOfParam('article_id')).toBe('id');
  expect(idFieldOfParam('articleID')).toBe('id');
  expect(idFieldOfParam('articleSlug')).toBe('slug');
  expect(idFieldOfParam('article')).toBeUndefined();
  expect(idFieldOfParam('name')).toBeUndefined();
  expect(idFieldOfParam('*')).toBeUndefined();
});

describe('DeclaredRoutes#idField, then idFromBody: the create keyed like the item routes', () => {
  const article = { article: { id: '0b6a8c3e-5b1d-4f7e-9a51-8f3c2d1e0a9b', slug: 'how-to-x', title: 'x' } };

  test(':slug -> the slug, not the uuid that comes first in ID_FIELDS', () => {
    const field = new DeclaredRoutes(() => conduit).idField('/api/articles');
    expect(field).toBe('slug');
    expect(idFromBody(article, 'article', field)).toBe('how-to-x');
    expect(idFromBody(article, 'article')).toBe('0b6a8c3e-5b1d-4f7e-9a51-8f3c2d1e0a9b');
  });

  test(':username -> the username', () => {
    const field = new DeclaredRoutes(() => ['/users', '/users/:username']).idField('/users');
    expect(idFromBody({ user: { id: 7, username: 'jake' } }, 'user', field)).toBe('jake');
  });

  test(':id and :articleId keep the id', () => {
    for (const item of ['/articles/:id', '/articles/:articleId', '/articles/:article_id']) {
      const field = new DeclaredRoutes(() => ['/articles', item]).idField('/articles');
      expect(field).toBe('id');
      expect(idFromBody(article, 'article', field)).toBe(article.article.id);
    }
  });

  test('no item route, or a param the body does not have: the documented order', () => {
    expect(new DeclaredRoutes(() => ['/articles']).idField('/articles')).toBeUndefined();
    const field = new DeclaredRoutes(() => ['/articles/:username']).idField('/articles');
    expect(field).toBe('username');
    expect(idFromBody(article, 'article', field)).toBe(article.article.id);
    expect(new DeclaredRoutes(() => ['/articles/:name']).idField('/articles')).toBeUndefined();
  });

  test('nested collections: a comment created under an article is keyed like its item route', () => {
    const routes = new DeclaredRoutes(() => [
      '/articles/:slug/comments',
      '/articles/:slug/comments/:commentUuid',
    ]);
    const field = routes.idField('/articles/:slug/comments');
    expect(field).toBe('uuid');
    expect(idFromBody({ comment: { id: 1, uuid: 'c-1', body: 'hi' } }, 'comment', field)).toBe('c-1');
  });

  test('the preferred field is looked for at the top, under the type and under data', () => {
    expect(idFromBody({ id: 'u1', slug: 's1' }, 'article', 'slug')).toBe('s1');
    expect(idFromBody({ data: { id: 'u2', slug: 's2' } }, 'article', 'slug')).toBe('s2');
    expect(idFromBody('{"article":{"id":"u3","slug":"s3"}}', 'article', 'slug')).toBe('s3');
  });

  test('a credential stays out of the id even when the item route is /:key', () => {
    expect(idFromBody({ apiKey: { id: 'k_1', key: 'sk_live_x' } }, 'api_key', 'key')).toBe('k_1');
  });

  test('computed once per collection template, never throws', () => {
    let reads = 0;
    const routes = new DeclaredRoutes(() => {
      reads++;
      return conduit;
    });
    for (let i = 0; i < 5; i++) expect(routes.idField('/api/articles')).toBe('slug');
    for (let i = 0; i < 5; i++) expect(routes.idField('/api/tags')).toBeUndefined();
    expect(reads).toBe(2);

    const broken = new DeclaredRoutes(() => {
      reads++;
      throw new Error('a router shaped differently');
    });
    expect(broken.idField('/articles')).toBeUndefined();
    expect(broken.idField('/articles')).toBeUndefined();
    expect(reads).toBe(3);
    // A generator that fails midway is the same.
    const midway = new DeclaredRoutes(function* () {
      yield '/articles';
      throw new Error('boom');
    });
    expect(midway.idField('/articles')).toBeUndefined();
  });
});
