import type { AuditLedge } from '@auditledge/core';
import express, { type Request } from 'express';
import { expectTypeOf, test } from 'vitest';
import {
  type AuditHandle,
  type AuditInfo,
  type AuditMiddleware,
  type AuditOptions,
  audit,
  auditMiddleware,
  type RouteAuditSpec,
} from '../src/index.js';

// These assertions are checked by `tsc` (pnpm --filter @auditledge/express typecheck); at run time
// the test only proves the file loads. `usage` is type-checked, never called.
test('req.audit, options and specs are typed without casts', () => {
  expectTypeOf<Request['audit']>().toEqualTypeOf<AuditHandle>();
  expectTypeOf<AuditHandle['set']>().parameter(0).toHaveProperty('resource');
  expectTypeOf<ReturnType<typeof auditMiddleware>>().toEqualTypeOf<AuditMiddleware>();
  expectTypeOf<AuditMiddleware['client']>().toEqualTypeOf<AuditLedge>();
  expectTypeOf<[200, (status: number) => boolean]>().toMatchTypeOf<NonNullable<AuditOptions['statuses']>>();
  expectTypeOf(usage).toBeFunction();
});

function usage() {
  const app = express();
  app.use(
    auditMiddleware({
      actor: (req) => {
        expectTypeOf(req).toEqualTypeOf<Request>();
        return { id: String(req.header('x-user')) };
      },
      resource: (req, info) => {
        expectTypeOf(info).toEqualTypeOf<AuditInfo>();
        return { id: req.params.id };
      },
      flushAt: 10,
      redact: ['ssn'],
    }),
  );
  const spec: RouteAuditSpec = { action: 'invoice.archived', metadata: (req) => ({ ip: req.ip }) };
  app.post('/invoices/:id/archive', audit(spec));
  app.delete(
    '/invoices/:id',
    audit('invoice.deleted', { metadata: (req) => ({ ip: req.ip }) }),
    (req, res) => {
      req.audit.set({ resource: { name: 'INV-1' }, metadata: { old_value: 1, new_value: 2 } });
      req.audit.log({ action: 'invoice.emailed', resource: { type: 'invoice', id: req.params.id } });
      req.audit.skip();
      res.end();
    },
  );
  app.post('/x', audit({ action: 'x.done' }), audit(false));
  app.patch(
    '/invoices/:id/lines/:line',
    audit('invoice.line_updated', {
      resource: (req) => {
        expectTypeOf(req).toEqualTypeOf<Request>();
        return { type: 'invoice', id: req.params.id };
      },
    }),
    (req, res) => {
      expectTypeOf(req.params.id).toEqualTypeOf<string>();
      res.end();
    },
  );
  // @ts-expect-error an action must be a string or a mapper
  audit({ action: 42 });
  // @ts-expect-error log() needs an action and a resource
  expectTypeOf<AuditHandle['log']>().toBeCallableWith({ action: 'x' });
}
