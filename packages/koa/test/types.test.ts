import type { AuditLedge } from '@auditledge/core';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
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

// These assertions are checked by `tsc` (pnpm --filter @auditledge/koa typecheck); at run time
// the test only proves the file loads. `usage` is type-checked, never called.
test('ctx.state.audit, options and specs are typed without casts', () => {
  expectTypeOf<Context['state']['audit']>().toEqualTypeOf<AuditHandle>();
  expectTypeOf<AuditMiddleware['client']>().toEqualTypeOf<AuditLedge>();
  expectTypeOf<[200, (status: number) => boolean]>().toMatchTypeOf<NonNullable<AuditOptions['statuses']>>();
  expectTypeOf(usage).toBeFunction();
});

function usage() {
  const app = new Koa();
  app.use(
    auditMiddleware({
      actor: (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<Context>();
        return ctx.state.user;
      },
      resource: (_ctx, info) => {
        expectTypeOf(info).toEqualTypeOf<AuditInfo>();
        return { id: info.params.id };
      },
      flushAt: 10,
      redact: ['ssn'],
    }),
  );
  const router = new Router();
  const spec: RouteAuditSpec = { action: 'invoice.archived', metadata: (ctx) => ({ ip: ctx.ip }) };
  router.post('/invoices/:id/archive', audit(spec));
  router.delete('/invoices/:id', audit('invoice.deleted', { metadata: (ctx) => ({ ip: ctx.ip }) }), (ctx) => {
    ctx.state.audit.set({ resource: { name: 'INV-1' }, metadata: { old_value: 1, new_value: 2 } });
    ctx.state.audit.log({ action: 'invoice.emailed', resource: { type: 'invoice', id: ctx.params.id! } });
    ctx.state.audit.skip();
    ctx.status = 204;
  });
  router.post('/x', audit({ action: 'x.done' }), audit(false));
  app.use(router.routes());
  // @ts-expect-error an action must be a string or a mapper
  audit({ action: 42 });
}
