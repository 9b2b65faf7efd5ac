import {
  type AuditHandle,
  auditOf,
  type RequestAudit,
  resolveRouteSpec,
  warnMisuse,
} from '@auditledge/core/adapter';
import { createParamDecorator, type ExecutionContext, Inject, SetMetadata } from '@nestjs/common';
import { AUDITLEDGE_CLIENT, kRouteSpec } from './tokens.js';
import type { NestRequest, RouteAuditSpec } from './types.js';

/** What `@Audit()` and `@SkipAudit()` return: usable on a controller class and on a route method. */
export type AuditDecorator = ClassDecorator & MethodDecorator;

/**
 * Per-route audit declaration: overrides the module's options for this route (same keys:
 * `action`, `actor`, `resource`, `organization`, `metadata`, `skip`) and audits the route
 * whatever its method. On a controller class it applies to all its routes; on a method it
 * replaces the class's declaration. The spec is validated once, here: a misspelt key throws
 * when the controller is defined.
 *
 * @example
 * @Post(':id/send') @Audit('invoice.sent') send() {}
 * @Put(':id') @Audit({ resource: (req) => ({ type: 'invoice', id: req.params.id }) }) update() {}
 * @Get(':id/export') @Audit('report.exported', { resource: { type: 'report' } }) export() {}
 */
export function Audit<Req = NestRequest>(action: string, spec?: RouteAuditSpec<Req>): AuditDecorator;
export function Audit<Req = NestRequest>(spec: RouteAuditSpec<Req>): AuditDecorator;
export function Audit<Req = NestRequest>(
  actionOrSpec: string | RouteAuditSpec<Req>,
  spec?: RouteAuditSpec<Req>,
): AuditDecorator {
  return SetMetadata(kRouteSpec, resolveRouteSpec<Req>(actionOrSpec, spec, { field: '@Audit()' }));
}

/**
 * Records nothing for this route (on a method) or for every route of a controller (on the
 * class; a method's own `@Audit()` still wins). Events passed to `audit.log()` are still sent.
 *
 * @example
 * @Post('heartbeat') @SkipAudit() beat() {}
 */
export function SkipAudit(): AuditDecorator {
  return SetMetadata(kRouteSpec, false);
}

/**
 * Injects the module's `AuditLedge` client, so services can `log()` domain events of their own.
 * The `AuditLedge` class works as a token too (`constructor(private audit: AuditLedge)` where
 * decorator metadata is emitted).
 *
 * @example
 * constructor(@InjectAuditLedge() private readonly audit: AuditLedge) {}
 */
export function InjectAuditLedge(): PropertyDecorator & ParameterDecorator {
  return Inject(AUDITLEDGE_CLIENT);
}

/** What `@AuditContext()` gives when the module is not imported: it records nothing, loudly once. */
const unrecordedHandle: AuditHandle = {
  set() {
    return this;
  },
  skip() {},
  log() {},
};

function auditContext(_data: unknown, context: ExecutionContext): AuditHandle {
  const request = context.switchToHttp().getRequest<{ raw?: object }>();
  const state = auditOf<RequestAudit>(request?.raw ?? request ?? {});
  if (state !== undefined) return state.handle;
  warnMisuse(
    'nestjs',
    'AUDITLEDGE_NO_MODULE',
    '@AuditContext() was used on a route but AuditLedgeModule did not see the request, so nothing is ' +
      'recorded: import AuditLedgeModule.forRoot({ ... }) in your root module',
  );
  return unrecordedHandle;
}

/**
 * The request's audit handle, as a route handler parameter: `set()` overrides parts of the
 * request's event, `skip()` records none, `log()` records another event after the response.
 *
 * @example
 * @Patch(':id') rename(@Param('id') id: string, @AuditContext() audit: AuditHandle) {
 *   audit.set({ metadata: { field: 'name', old_value: before.name, new_value: after.name } });
 * }
 */
export const AuditContext: () => ParameterDecorator = createParamDecorator(auditContext);
