import type { AuditLedge } from '@auditledge/core';
import { errorResponse, SaasStore, type User } from '@auditledge/example-shared';
import auditledge from '@auditledge/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `onRequest` hook from the bearer token; the audit plugin reads it at the end. */
    user?: User;
  }
}

export interface AppOptions {
  client: AuditLedge;
  store?: SaasStore;
}

type Id = { Params: { id: string } };
type OrgKey = { Params: { orgId: string; keyId: string } };

/**
 * The example SaaS API on Fastify, audited by `@auditledge/fastify`.
 *
 * @example
 * const app = await createApp({ client: new AuditLedge(key, { baseUrl: 'http://127.0.0.1:4600' }) });
 * await app.listen({ port: 3000 });
 */
export async function createApp({ client, store = new SaasStore() }: AppOptions): Promise<FastifyInstance> {
  // Request ids from the caller's `x-request-id`, as Express and Koa apps usually do: the audit
  // metadata's `request_id` then matches the id in your logs and upstream proxies.
  const app = Fastify({ requestIdHeader: 'x-request-id' });

  // 1. The global plugin: every POST/PUT/PATCH/DELETE answered below 400 becomes an event,
  //    named from the route (`DELETE /invoices/:id` -> invoice.deleted on invoice:<id>).
  await app.register(auditledge, {
    client,
    // 2. A custom actor mapper: who did it, from your own user object (`undefined` = anonymous).
    actor: (request) =>
      request.user && { id: request.user.id, name: request.user.name, email: request.user.email },
  });

  app.decorateRequest('user', undefined);
  app.addHook('onRequest', async function authenticate(request) {
    request.user = store.authenticate(request.headers.authorization);
  });
  app.setErrorHandler(function handleErrors(err, _request, reply) {
    const { status, body } = errorResponse(err);
    return reply.code(status).send(body);
  });

  app.get('/health', async () => ({ ok: true }));

  // Anonymous, and audited: the handler names the event, since no route template can.
  app.post('/signup', async (request, reply) => {
    const { organization, user, token } = store.signup(request.body);
    request.audit.set({
      action: 'organization.created',
      resource: { type: 'organization', id: organization.id, name: organization.name },
      organization: organization.id,
    });
    return reply.code(201).send({ organization, user, token });
  });

  app.get('/invoices', async (request) => store.listInvoices(request.user));
  app.post('/invoices', async (request, reply) => {
    return reply.code(201).send(store.createInvoice(request.user, request.body)); // the `id` names the resource
  });
  app.get<Id>('/invoices/:id', async (request) => store.getInvoice(request.user, request.params.id));
  app.patch<Id>('/invoices/:id', async (request) => {
    const { invoice, change } = store.updateInvoice(request.user, request.params.id, request.body);
    // 3. A change record: metadata { field: 'amount', old_value: 1200, new_value: 1500 }.
    if (change) {
      request.audit.set({
        resource: { name: invoice.number },
        metadata: { field: change.field, old_value: change.old_value, new_value: change.new_value },
      });
    } else {
      request.audit.skip(); // nothing changed: nothing to record
    }
    return invoice;
  });
  app.delete<Id>('/invoices/:id', async (request, reply) => {
    store.deleteInvoice(request.user, request.params.id);
    return reply.code(204).send();
  });
  // 4. A per-route declaration names the action itself (here the `invoice.sent` the route would
  //    derive anyway; write whatever name your auditors search for).
  app.post<Id>('/invoices/:id/send', { config: { audit: { action: 'invoice.sent' } } }, async (request) =>
    store.sendInvoice(request.user, request.params.id),
  );

  app.get('/users', async (request) => store.listUsers(request.user));
  app.post('/users', async (request, reply) => {
    return reply.code(201).send(store.createUser(request.user, request.body));
  });
  app.patch<Id>('/users/:id', async (request) => {
    const { user, change } = store.updateUser(request.user, request.params.id, request.body);
    if (change) request.audit.set({ resource: { name: user.email }, metadata: { ...change } });
    else request.audit.skip();
    return user;
  });
  app.delete<Id>('/users/:id', async (request, reply) => {
    store.deleteUser(request.user, request.params.id);
    return reply.code(204).send();
  });

  // Org-scoped: api_key.created / api_key.deleted, with the organization from `:orgId`.
  app.get<OrgKey>('/orgs/:orgId/api-keys', async (request) =>
    store.listApiKeys(request.user, request.params.orgId),
  );
  app.post<OrgKey>('/orgs/:orgId/api-keys', async (request, reply) => {
    return reply.code(201).send(store.createApiKey(request.user, request.params.orgId, request.body));
  });
  app.delete<OrgKey>('/orgs/:orgId/api-keys/:keyId', async (request, reply) => {
    store.deleteApiKey(request.user, request.params.orgId, request.params.keyId);
    return reply.code(204).send();
  });

  return app;
}
