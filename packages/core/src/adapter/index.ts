// `@auditledge/core/adapter`: what the Express, Koa and Fastify adapters share. Written once
// here so each adapter package stays a thin translator from its framework to these calls.
export { monotonicNow } from './clock.js';
export { DeclaredRoutes, idFieldOfParam, itemParam } from './declaredRoutes.js';
export { deriveAction, deriveRoute, type RouteDerivation } from './deriveRoute.js';
export { type FinishedRequest, headerValue, requestIdOf, stripQuery } from './facts.js';
export { RequestAudit } from './handle.js';
export { ANONYMOUS_ACTOR, organizationOf, toActor, toId } from './identity.js';
export { isPlural, singularize, toSnakeCase } from './inflect.js';
export { onceAnswered, onResponseClose } from './onResponseClose.js';
export { DEFAULT_METHODS, type NormalizedOptions, normalizeOptions } from './options.js';
export { AuditRecorder } from './recorder.js';
export {
  createRedactor,
  defaultRedactKeys,
  mergeMetadata,
  REDACTED,
  type RedactOption,
  type Redactor,
} from './redact.js';
export { ID_FIELDS, idFromBody } from './responseId.js';
export { keyWords } from './secretWords.js';
export { type NormalizedSpec, normalizeSpec, type RouteSpec, routeSpec, type SpecSource } from './spec.js';
export type {
  ActorInput,
  AuditHandle,
  AuditInfo,
  AuditMapper,
  AuditOptions,
  AuditOverrides,
  ExtraAuditEvent,
  IdInput,
  ResourceInput,
  RouteAuditSpec,
  StatusFilter,
} from './types.js';
export { emitWarning, looksLikeRequest, warnMisuse } from './unrecorded.js';
