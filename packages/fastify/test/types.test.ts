import Fastify, { type FastifyContextConfig, type FastifyRequest } from 'fastify';
import { expectTypeOf, test } from 'vitest';
import auditledgeDefault, {
  type AuditHandle,
  type AuditInfo,
  type AuditOptions,
  auditledge,
  type RouteAuditConfig,
  type RouteAuditSpec,
} from '../src/index.js';

// These assertions are checked by `tsc` (pnpm --filter @auditledge/fastify typecheck); at run time
// the test only proves the file loads. `usage` is type-checked, never called.
test('request.audit, config.audit and the options are typed without casts', () => {
  expectTypeOf<FastifyRequest['audit']>().toEqualTypeOf<AuditHandle>();
  expectTypeOf<FastifyContextConfig['audit']>().toEqualTypeOf<RouteAuditConfig | undefined>();
  expectTypeOf(auditledgeDefault).toEqualTypeOf(auditledge);
  expectTypeOf<[200, (status: number) => boolean]>().toMatchTypeOf<NonNullable<AuditOptions['statuses']>>();
  expectTypeOf(usage).toBeFunction();
});

async function usage() {
  const app = Fastify();
  await app.register(auditledge, {
    actor: (request) => {
      expectTypeOf(request).toEqualTypeOf<FastifyRequest>();
      return { id: String(request.headers['x-user']) };
    },
    resource: (_request, info) => {
      expectTypeOf(info).toEqualTypeOf<AuditInfo>();
      return { id: info.params.id };
    },
    flushAt: 10,
    redact: ['ssn'],
  });
  app.delete<{ Params: { id: string } }>(
    '/invoices/:id',
    { config: { audit: { action: 'invoice.deleted', metadata: (request) => ({ ip: request.ip }) } } },
    async (request) => {
      request.audit.set({ resource: { name: 'INV-1' }, metadata: { old_value: 1, new_value: 2 } });
      request.audit.log({ action: 'invoice.emailed', resource: { type: 'invoice', id: request.params.id } });
      request.audit.skip();
      return null;
    },
  );
  app.post('/heartbeat', { config: { audit: false } }, async () => null);
  app.post('/archive', { config: { audit: 'invoice.archived' } }, async () => null);
  // @ts-expect-error an action must be a string or a mapper
  app.post('/bad', { config: { audit: { action: 42 } } }, async () => null);
  // @ts-expect-error config.audit is a spec, an action or false, not a number
  app.post('/bad-number', { config: { audit: 42 } }, async () => null);
  // @ts-expect-error nor true (a route is audited by default; false opts out)
  app.post('/bad-true', { config: { audit: true } }, async () => null);
  const spec = { action: 'x.y', resource: { type: 'invoice' } } satisfies RouteAuditSpec;
  app.post('/spec', { config: { audit: spec } }, async () => null);
  // @ts-expect-error a misspelt key, caught where the spec is written with satisfies
  const typo = { acton: 'x.y' } satisfies RouteAuditSpec;
  expectTypeOf(typo).not.toBeAny();
}
