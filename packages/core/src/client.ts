// Placeholder signatures; the implementation lands in the next commits.
import type { ClientOptions } from './options.js';
import type {
  AuditEventInput, DeliveryStats, EnqueueOptions, ExportOptions, QueryFilters, QueryResult, ShutdownOptions,
  ShutdownReport, StoredEvent, Usage,
} from './types.js';

export declare class AuditLedge {
  constructor(apiKey?: string, options?: ClientOptions);
  log(event: AuditEventInput, options?: EnqueueOptions): Promise<StoredEvent>;
  enqueue(event: AuditEventInput, options?: EnqueueOptions): string;
  query(filters?: QueryFilters): Promise<QueryResult>;
  get(id: string): Promise<StoredEvent>;
  export(options: ExportOptions & { format: 'csv' }): Promise<string>;
  export(options?: ExportOptions & { format?: 'json' }): Promise<StoredEvent[]>;
  usage(): Promise<Usage>;
  flush(): Promise<void>;
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport>;
  stats(): DeliveryStats;
  setApiKey(apiKey: string): void;
}
