export type {
  AuditHandle,
  AuditInfo,
  AuditOverrides,
  ExtraAuditEvent,
  IdInput,
  ResourceInput,
  StatusFilter,
} from '@auditledge/core/adapter';
export { defaultRedactKeys } from '@auditledge/core/adapter';
export { audit } from './audit.js';
export { auditMiddleware } from './auditMiddleware.js';
export type { AuditMiddleware, AuditOptions, RouteAuditSpec } from './types.js';
