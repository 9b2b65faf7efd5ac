import type { AuditLedge } from '@auditledge/core';
import { errorResponse, SaasStore, type User } from '@auditledge/example-shared';
import { audit, auditMiddleware } from '@auditledge/koa';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';

/** `ctx.state` of this app: the user `authenticate` found, if any. */
export interface AppState extends Koa.DefaultState {
  user?: User;
}

export interface AppOptions {
  client: AuditLedge;
  store?: SaasStore;
}

/**
 * The example SaaS API on Koa and @koa/router, audited by `@auditledge/koa`.
 *
 * @example
 * const app = createApp({ client: new AuditLedge(key, { baseUrl: 'http://127.0.0.1:4600' }) });
 * app.listen(3000);
 */
export function createApp({ client, store = new SaasStore() }: AppOptions): Koa<AppState> {
  const app = new Koa<AppState>();

  // 1. The global middleware: every POST/PUT/PATCH/DELETE answered below 400 becomes an event,
  //    named from the route (`DELETE /invoices/:id` -> invoice.deleted on invoice:<id>).
  app.use(
    auditMiddleware({
      client,
      // 2. A custom actor mapper: who did it, from your own user object (`undefined` = anonymous).
      actor: (ctx) => {
        const user = (ctx.state as AppState).user;
        return user && { id: user.id, name: user.name, email: user.email };
      },
    }),
  );

  app.use(async function handleErrors(ctx, next) {
    try {
      await next();
    } catch (err) {
      const { status, body } = errorResponse(err);
      ctx.status = status;
      ctx.body = body;
    }
  });
  app.use(bodyParser());
  app.use(async function authenticate(ctx, next) {
    ctx.state.user = store.authenticate(ctx.get('authorization') || undefined);
    await next();
  });

  const router = new Router<AppState>();

  router.get('/health', (ctx) => {
    ctx.body = { ok: true };
  });

  // Anonymous, and audited: the handler names the event, since no route template can.
  router.post('/signup', (ctx) => {
    const { organization, user, token } = store.signup(ctx.request.body);
    ctx.state.audit.set({
      action: 'organization.created',
      resource: { type: 'organization', id: organization.id, name: organization.name },
      organization: organization.id,
    });
    ctx.status = 201;
    ctx.body = { organization, user, token };
  });

  router.get('/invoices', (ctx) => {
    ctx.body = store.listInvoices(ctx.state.user);
  });
  router.post('/invoices', (ctx) => {
    ctx.status = 201;
    ctx.body = store.createInvoice(ctx.state.user, ctx.request.body); // the `id` names the resource
  });
  router.get('/invoices/:id', (ctx) => {
    ctx.body = store.getInvoice(ctx.state.user, ctx.params.id!);
  });
  router.patch('/invoices/:id', (ctx) => {
    const { invoice, change } = store.updateInvoice(ctx.state.user, ctx.params.id!, ctx.request.body);
    // 3. A change record: metadata { field: 'amount', old_value: 1200, new_value: 1500 }.
    if (change) {
      ctx.state.audit.set({
        resource: { name: invoice.number },
        metadata: { field: change.field, old_value: change.old_value, new_value: change.new_value },
      });
    } else {
      ctx.state.audit.skip(); // nothing changed: nothing to record
    }
    ctx.body = invoice;
  });
  router.delete('/invoices/:id', (ctx) => {
    store.deleteInvoice(ctx.state.user, ctx.params.id!);
    ctx.status = 204;
  });
  // 4. A per-route declaration names the action itself (here the `invoice.sent` the route would
  //    derive anyway; write whatever name your auditors search for).
  router.post('/invoices/:id/send', audit('invoice.sent'), (ctx) => {
    ctx.body = store.sendInvoice(ctx.state.user, ctx.params.id!);
  });

  router.get('/users', (ctx) => {
    ctx.body = store.listUsers(ctx.state.user);
  });
  router.post('/users', (ctx) => {
    ctx.status = 201;
    ctx.body = store.createUser(ctx.state.user, ctx.request.body);
  });
  router.patch('/users/:id', (ctx) => {
    const { user, change } = store.updateUser(ctx.state.user, ctx.params.id!, ctx.request.body);
    if (change) ctx.state.audit.set({ resource: { name: user.email }, metadata: { ...change } });
    else ctx.state.audit.skip();
    ctx.body = user;
  });
  router.delete('/users/:id', (ctx) => {
    store.deleteUser(ctx.state.user, ctx.params.id!);
    ctx.status = 204;
  });

  // Org-scoped: api_key.created / api_key.deleted, with the organization from `:orgId`.
  router.get('/orgs/:orgId/api-keys', (ctx) => {
    ctx.body = store.listApiKeys(ctx.state.user, ctx.params.orgId!);
  });
  router.post('/orgs/:orgId/api-keys', (ctx) => {
    ctx.status = 201;
    ctx.body = store.createApiKey(ctx.state.user, ctx.params.orgId!, ctx.request.body);
  });
  router.delete('/orgs/:orgId/api-keys/:keyId', (ctx) => {
    store.deleteApiKey(ctx.state.user, ctx.params.orgId!, ctx.params.keyId!);
    ctx.status = 204;
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
