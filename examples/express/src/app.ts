import type { AuditLedge } from '@auditledge/core';
import { errorResponse, SaasStore, type User } from '@auditledge/example-shared';
import { audit, auditMiddleware } from '@auditledge/express';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** Set by `authenticate` from the bearer token; the audit middleware reads it at the end. */
      user?: User;
    }
  }
}

export interface AppOptions {
  client: AuditLedge;
  store?: SaasStore;
}

/**
 * The example SaaS API on Express, audited by `@auditledge/express`.
 *
 * @example
 * const app = createApp({ client: new AuditLedge(key, { baseUrl: 'http://127.0.0.1:4600' }) });
 * app.listen(3000);
 */
export function createApp({ client, store = new SaasStore() }: AppOptions): express.Express {
  const app = express();
  app.use(express.json());

  // 1. The global middleware: every POST/PUT/PATCH/DELETE answered below 400 becomes an event,
  //    named from the route (`DELETE /invoices/:id` -> invoice.deleted on invoice:<id>).
  app.use(
    auditMiddleware({
      client,
      // 2. A custom actor mapper: who did it, from your own user object (`undefined` = anonymous).
      actor: (req) => req.user && { id: req.user.id, name: req.user.name, email: req.user.email },
    }),
  );

  const authenticate: RequestHandler = (req, _res, next) => {
    req.user = store.authenticate(req.headers.authorization);
    next();
  };
  app.use(authenticate);

  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });

  // Anonymous, and audited: the handler names the event, since no route template can.
  app.post('/signup', (req, res) => {
    const { organization, user, token } = store.signup(req.body);
    req.audit.set({
      action: 'organization.created',
      resource: { type: 'organization', id: organization.id, name: organization.name },
      organization: organization.id,
    });
    res.status(201).json({ organization, user, token });
  });

  app.get('/invoices', (req, res) => {
    res.json(store.listInvoices(req.user));
  });
  app.post('/invoices', (req, res) => {
    res.status(201).json(store.createInvoice(req.user, req.body)); // the `id` names the resource
  });
  app.get('/invoices/:id', (req, res) => {
    res.json(store.getInvoice(req.user, req.params.id));
  });
  app.patch('/invoices/:id', (req, res) => {
    const { invoice, change } = store.updateInvoice(req.user, req.params.id, req.body);
    // 3. A change record: metadata { field: 'amount', old_value: 1200, new_value: 1500 }.
    if (change) {
      req.audit.set({
        resource: { name: invoice.number },
        metadata: { field: change.field, old_value: change.old_value, new_value: change.new_value },
      });
    } else {
      req.audit.skip(); // nothing changed: nothing to record
    }
    res.json(invoice);
  });
  app.delete('/invoices/:id', (req, res) => {
    store.deleteInvoice(req.user, req.params.id);
    res.status(204).end();
  });
  // 4. A per-route declaration names the action itself (here the `invoice.sent` the route would
  //    derive anyway; write whatever name your auditors search for).
  //    (Typing `req` keeps `req.params.id` a string: Express infers params from the first handler.)
  app.post('/invoices/:id/send', audit('invoice.sent'), (req: Request<{ id: string }>, res) => {
    res.json(store.sendInvoice(req.user, req.params.id));
  });

  app.get('/users', (req, res) => {
    res.json(store.listUsers(req.user));
  });
  app.post('/users', (req, res) => {
    res.status(201).json(store.createUser(req.user, req.body));
  });
  app.patch('/users/:id', (req, res) => {
    const { user, change } = store.updateUser(req.user, req.params.id, req.body);
    if (change) req.audit.set({ resource: { name: user.email }, metadata: { ...change } });
    else req.audit.skip();
    res.json(user);
  });
  app.delete('/users/:id', (req, res) => {
    store.deleteUser(req.user, req.params.id);
    res.status(204).end();
  });

  // Org-scoped: api_key.created / api_key.deleted, with the organization from `:orgId`.
  app.get('/orgs/:orgId/api-keys', (req, res) => {
    res.json(store.listApiKeys(req.user, req.params.orgId));
  });
  app.post('/orgs/:orgId/api-keys', (req, res) => {
    res.status(201).json(store.createApiKey(req.user, req.params.orgId, req.body));
  });
  app.delete('/orgs/:orgId/api-keys/:keyId', (req, res) => {
    store.deleteApiKey(req.user, req.params.orgId, req.params.keyId);
    res.status(204).end();
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const { status, body } = errorResponse(err);
    res.status(status).json(body);
  };
  app.use(onError);
  return app;
}
