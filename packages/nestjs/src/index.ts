export { AuditLedge } from '@auditledge/core';
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
export { AuditLedgeModule, type AuditLedgeModuleAsyncOptions } from './auditLedgeModule.js';
export { Audit, AuditContext, type AuditDecorator, InjectAuditLedge, SkipAudit } from './decorators.js';
export { AUDITLEDGE_CLIENT } from './tokens.js';
export type { AuditLedgeModuleOptions, NestRequest, RouteAuditSpec } from './types.js';
