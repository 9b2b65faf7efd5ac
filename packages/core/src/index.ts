export { AuditLedge } from './client.js';
export {
  AuditLedgeError,
  type AuditLedgeErrorCode,
  AuditLedgeNotFoundError,
  AuditLedgeValidationError,
} from './errors.js';
export { createFetchTransport } from './fetchTransport.js';
export { type ClientOptions, defaults, type ErrorContext } from './options.js';
export type { FsyncPolicy, SpoolOptions, SpoolStats } from './spool/spool.js';
export type {
  Transport,
  TransportRequest,
  TransportResponse,
  TransportStreamResponse,
} from './transport.js';
export type {
  Actor,
  AuditEventInput,
  DeliveryStats,
  DropReason,
  EnqueueOptions,
  EventFilters,
  EventsOptions,
  ExportOptions,
  ExportStreamOptions,
  FlushOptions,
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
  UnrecordedReason,
  Usage,
  WorkerStats,
} from './types.js';
export { validateEvent } from './validate.js';
