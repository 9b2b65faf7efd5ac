import { auditledge } from './plugin.js';

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
export type { AuditOptions, RouteAuditConfig, RouteAuditSpec } from './types.js';
export { auditledge };
export default auditledge;
