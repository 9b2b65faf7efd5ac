// The default derivation table of the adapter READMEs ("What gets recorded by default"), and
// templates through mounts and prefixes: what a route records with no mapper at all.
import { describe, expect, test } from 'vitest';
import type { ContractAdapter, Method, Route } from './adapter.js';
import { context } from './context.js';
import { send } from './http.js';

const token = `h.${Buffer.from(JSON.stringify({ id: 5, username: 'jake' })).toString('base64url')}.s`;

const routes: Route[] = [
  { method: 'DELETE', path: '/invoices/:id', status: 204 },
  { method: 'PUT', path: '/invoices/:id', status: 204 },
  { method: 'PATCH', path: '/invoices/:id', status: 204 },
  { method: 'GET', path: '/invoices/new', body: 'form' },
  { method: 'POST', path: '/invoices', status: 201, body: { id: 'inv_9', total: 10 } },
  { method: 'POST', path: '/invoices/:id/send', status: 204 },
  // RealWorld ("Conduit") shapes: an action undone, a create keyed under its type, the current
  // user, a login.
  { method: 'DELETE', path: '/api/articles/:slug/favorite', status: 204 },
  {
    method: 'POST',
    path: '/api/articles',
    status: 201,
    body: { article: { slug: 'how-to', title: 'How to' } },
  },
  { method: 'PUT', path: '/api/user', body: { user: { username: 'ann' } } },
  {
    method: 'POST',
    path: '/api/users/login',
    body: { user: { username: 'jake', email: 'jake@x.io', token } },
  },
  // A router nested in a router mounted under a param; a versioned API under a prefix.
  { method: 'DELETE', path: '/:keyId', status: 204, mount: ['/orgs/:orgId', '/api-keys'] },
  { method: 'PATCH', path: '/companies/:id', status: 204, mount: ['/v1'] },
  { method: 'POST', path: '/addresses', status: 201, body: { id: 12 }, mount: ['/v1'] },
  // A create answering several ids is keyed by the one its collection's item routes take, so the
  // create and the later events on the item share one id; with `:id` item routes, the id.
  {
    method: 'POST',
    path: '/posts',
    status: 201,
    body: { post: { id: 'p_1f3a', slug: 'hello' } },
    mount: ['/api', '/blog'],
  },
  { method: 'PUT', path: '/posts/:slug', status: 204, mount: ['/api', '/blog'] },
  {
    method: 'POST',
    path: '/notes',
    status: 201,
    body: { note: { id: 'n_9', slug: 'first' } },
    mount: ['/api', '/blog'],
  },
  { method: 'PUT', path: '/notes/:id', status: 204, mount: ['/api', '/blog'] },
];

type Row = [Method, string, string, { type: string; id: string }, string, Record<string, string>?];

const table: Row[] = [
  ['DELETE', '/invoices/inv_1', 'invoice.deleted', { type: 'invoice', id: 'inv_1' }, '/invoices/:id'],
  ['PUT', '/invoices/inv_2', 'invoice.updated', { type: 'invoice', id: 'inv_2' }, '/invoices/:id'],
  ['PATCH', '/invoices/inv_3', 'invoice.updated', { type: 'invoice', id: 'inv_3' }, '/invoices/:id'],
  ['POST', '/invoices', 'invoice.created', { type: 'invoice', id: 'inv_9' }, '/invoices'],
  ['POST', '/invoices/inv_4/send', 'invoice.sent', { type: 'invoice', id: 'inv_4' }, '/invoices/:id/send'],
  ['PATCH', '/v1/companies/c_1', 'company.updated', { type: 'company', id: 'c_1' }, '/v1/companies/:id'],
  [
    'DELETE',
    '/api/articles/how-to/favorite',
    'article.unfavorited',
    { type: 'article', id: 'how-to' },
    '/api/articles/:slug/favorite',
  ],
  ['POST', '/api/articles', 'article.created', { type: 'article', id: 'how-to' }, '/api/articles'],
  [
    'PUT',
    '/api/user',
    'user.updated',
    { type: 'user', id: 'u_7' },
    '/api/user',
    { 'x-user': JSON.stringify({ id: 'u_7', username: 'ann' }) },
  ],
  ['POST', '/api/users/login', 'user.logged_in', { type: 'user', id: '5' }, '/api/users/login'],
  ['POST', '/v1/addresses?draft=1', 'address.created', { type: 'address', id: '12' }, '/v1/addresses'],
  ['POST', '/api/blog/posts', 'post.created', { type: 'post', id: 'hello' }, '/api/blog/posts'],
  ['PUT', '/api/blog/posts/hello', 'post.updated', { type: 'post', id: 'hello' }, '/api/blog/posts/:slug'],
  ['POST', '/api/blog/notes', 'note.created', { type: 'note', id: 'n_9' }, '/api/blog/notes'],
  // A static GET route with the same shape does not capture the DELETE.
  ['DELETE', '/invoices/new', 'invoice.deleted', { type: 'invoice', id: 'new' }, '/invoices/:id'],
];

export function derivation(adapter: ContractAdapter): void {
  describe('default derivation', () => {
    const c = context(adapter, (rec) => ({ options: rec.options, routes }));

    test.each(table)('%s %s -> %s', async (method, path, action, resource, route, headers) => {
      expect((await send(c.app.url, method, path, undefined, headers)).status).toBeLessThan(300);
      const [event, ...rest] = await c.rec.recorded();
      expect(rest).toEqual([]);
      expect(event).toMatchObject({ action, resource, metadata: { route, path: path.split('?')[0] } });
      expect(event).not.toHaveProperty('organization_id');
      expect(c.rec.errors).toEqual([]);
    });

    test('DELETE /orgs/:orgId/api-keys/:keyId through nested mounts -> api_key.deleted in the org', async () => {
      expect((await send(c.app.url, 'DELETE', '/orgs/42/api-keys/key_7')).status).toBe(204);
      expect(await c.rec.recorded()).toMatchObject([
        {
          action: 'api_key.deleted',
          resource: { type: 'api_key', id: 'key_7' },
          organization_id: '42',
          metadata: {
            route: '/orgs/:orgId/api-keys/:keyId',
            path: '/orgs/42/api-keys/key_7',
            method: 'DELETE',
          },
        },
      ]);
      expect(c.rec.errors).toEqual([]);
    });

    test('a param value that looks like a literal segment still gets the right template', async () => {
      expect((await send(c.app.url, 'DELETE', '/orgs/orgs/api-keys/api-keys')).status).toBe(204);
      expect(await c.rec.recorded()).toMatchObject([
        {
          resource: { type: 'api_key', id: 'api-keys' },
          organization_id: 'orgs',
          metadata: { route: '/orgs/:orgId/api-keys/:keyId' },
        },
      ]);
    });

    test('an unmatched route (404) is not audited, even with every status included', async () => {
      const all = await c.start({ options: { ...c.rec.options, statuses: () => true }, routes });
      expect((await send(all.url, 'POST', '/nowhere')).status).toBe(404);
      expect((await send(all.url, 'DELETE', '/orgs/42/nothing/here')).status).toBe(404);
      expect(await c.rec.recorded()).toEqual([]);
      expect(c.rec.errors).toEqual([]);
    });
  });
}
