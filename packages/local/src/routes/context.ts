import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccountStore, KeyRecord } from '../accounts.js';
import type { EventStore } from '../eventStore.js';
import type { GroupCommit } from '../groupCommit.js';

/** What every route handler can reach. */
export interface ServerContext {
  readonly accounts: AccountStore;
  readonly events: EventStore;
  /** Batches ingestion commits; see GroupCommit. */
  readonly commits: GroupCommit;
  /** The server's clock: event timestamps and the month that usage counts. */
  readonly clock: () => Date;
}

/** One authenticated request, already routed. */
export interface RouteRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly ctx: ServerContext;
  readonly key: KeyRecord;
  readonly query: URLSearchParams;
  /** The decoded `:id` path segment, for routes that have one. */
  readonly id: string;
}

export type RouteHandler = (request: RouteRequest) => void | Promise<void>;
