// Ordinary user code that must compile under the tsconfigs people have. `pnpm typecheck` compiles
// this file with the repository's settings and, through scripts/readmeSnippets.mjs, in a fresh
// project with `strict` + `exactOptionalPropertyTypes` + `noUncheckedIndexedAccess`, as ESM
// (nodenext) and as CommonJS (module commonjs, hence moduleResolution node10).
import { AuditLedge, type ClientOptions } from '@auditledge/core';
import { auditMiddleware as expressAudit } from '@auditledge/express';
import auditledge from '@auditledge/fastify';
import { auditMiddleware as koaAudit } from '@auditledge/koa';
import { startLocalServer } from '@auditledge/local';
import type { Request } from 'express';
import Fastify, { type FastifyRequest } from 'fastify';
import type { Context } from 'koa';

/** `true` only for `any`: a parameter that silently became `any` fails the assignments below. */
type IsAny<T> = 0 extends 1 & T ? true : false;

declare const user: { id: string; name?: string; email: string | undefined };
declare const maybe: string | undefined;
declare const maybePort: number | undefined;

export async function userCode(): Promise<void> {
  // Optional fields given a value that may be undefined (exactOptionalPropertyTypes).
  const options: ClientOptions = { baseUrl: process.env.AUDITLEDGE_BASE_URL, timeout: maybePort };
  const audit = new AuditLedge(process.env.AUDITLEDGE_API_KEY, options);
  audit.enqueue({
    actor: { id: user.id, name: user.name, email: user.email },
    action: 'invoice.deleted',
    resource: { type: 'invoice', id: 'inv_1', name: maybe },
    organization_id: maybe,
  });
  await audit.query({ actor_id: maybe, action: maybe, limit: maybePort });
  await audit.flush({ timeout: maybePort });
  await audit.shutdown({ timeout: maybePort });
  const local = await startLocalServer({ port: maybePort, db: maybe });
  local.createAccount({ organizationId: maybe });
  await local.close();

  // Mapper parameters are typed (not `any`) under node10 resolution too.
  expressAudit({
    apiKey: process.env.AUDITLEDGE_API_KEY,
    baseUrl: maybe,
    resource: (req, info) => {
      const _notAny: IsAny<typeof req> = false;
      const request: Request = req;
      return { type: 'invoice', id: info.params.id ?? request.params.id, name: maybe };
    },
  });
  koaAudit({
    actor: (ctx) => {
      const _notAny: IsAny<typeof ctx> = false;
      const context: Context = ctx;
      return { id: String(context.state.userId), name: maybe };
    },
    organization: (_ctx, info) => info.params.orgId,
  });
  const app = Fastify();
  await app.register(auditledge, {
    shutdownTimeout: maybePort,
    metadata: (request) => {
      const _notAny: IsAny<typeof request> = false;
      const r: FastifyRequest = request;
      return { ip: r.ip, plan: maybe };
    },
  });
  app.post('/invoices/:id/send', { config: { audit: { action: 'invoice.sent' } } }, async (request) => {
    request.audit.set({ resource: { id: maybe, name: maybe }, metadata: { note: maybe } });
    return null;
  });
  // @ts-expect-error config.audit takes a spec, an action or false, not a number
  app.post('/a', { config: { audit: 42 } }, async () => null);
  // @ts-expect-error nor true (routes are audited by default; false opts out)
  app.post('/b', { config: { audit: true } }, async () => null);
}
