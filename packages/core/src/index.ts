export { AuditLedge } from './client.js';
export {
  AuditLedgeError,
  AuditLedgeNotFoundError,
  AuditLedgeValidationError,
  type AuditLedgeErrorCode,
} from './errors.js';
export { validateEvent } from './validate.js';
export { createFetchTransport } from './fetchTransport.js';
export { defaults, type ClientOptions, type ErrorContext } from './options.js';
export type { Transport, TransportRequest, TransportResponse } from './transport.js';
export type {
  Actor,
  AuditEventInput,
  DeliveryStats,
  DropReason,
  EnqueueOptions,
  EventFilters,
  ExportOptions,
  JsonValue,
  Logger,
  Metadata,
  PipelineState,
  Plan,
  QueryFilters,
  QueryResult,
  Resource,
  ShutdownOptions,
  ShutdownReport,
  StoredEvent,
  UndeliveredEvent,
  Usage,
} from './types.js';
