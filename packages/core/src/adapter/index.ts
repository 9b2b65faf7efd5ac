/**
 * `@auditledge/core/adapter`: for @auditledge adapters; no semver promise.
 *
 * What the Express, Koa and Fastify adapters share, written once here so each adapter package
 * stays a thin translator from its framework to these calls. It exports what those packages use
 * and nothing else; anything here may change in any release, so apps import from an adapter
 * package (or `@auditledge/core`) instead. Unit tests import the module files directly.
 */
export { monotonicNow } from './clock.js';
export { closeClient, resolveShutdownTimeout } from './close.js';
export { DeclaredRoutes } from './declaredRoutes.js';
export { requestIdOf, stripQuery } from './finishedRequest.js';
export {
  auditOf,
  kAudit,
  NodeRequestAudit,
  passedAsMiddleware,
  type RouteAuditFactory,
  recordOnFinish,
  routeAuditFactory,
  startAudit,
  withClient,
} from './nodeHttp.js';
export { onceAnswered, onResponseClose } from './onResponseClose.js';
export { AuditRecorder } from './recorder.js';
// Re-exported publicly by every adapter package.
export { defaultRedactKeys } from './redact.js';
export { RequestAudit } from './requestAudit.js';
export { type ResolvedSpec, resolveRouteSpec } from './spec.js';
export type {
  AuditHandle,
  AuditInfo,
  AuditOptions,
  AuditOverrides,
  ExtraAuditEvent,
  IdInput,
  ResourceInput,
  RouteAuditSpec,
  StatusFilter,
} from './types.js';
export { warnMisuse } from './unrecorded.js';
