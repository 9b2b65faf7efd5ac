// Where the contract reads what an adapter recorded: a real client on the in-memory trail of
// `@auditledge/core/testing` (everything but the HTTP exchange runs), plus what reached onError.
import type { AuditLedge, AuditLedgeError, ErrorContext } from '@auditledge/core';
import { createAuditTrail } from '@auditledge/core/testing';

/** An event as the adapters send it. */
export interface Recorded {
  actor: { id: string; name?: string; email?: string };
  action: string;
  resource: { type: string; id: string; name?: string };
  organization_id?: string;
  metadata?: Record<string, unknown>;
}

export interface Recording {
  client: AuditLedge;
  errors: { error: AuditLedgeError; context: ErrorContext }[];
  /** The adapter options that write here: `{ client, onError }`. */
  options: { client: AuditLedge; onError: (error: AuditLedgeError, context: ErrorContext) => void };
  /** Flushes (no sleeping) and returns, then forgets, what was recorded since the last call. */
  recorded(): Promise<Recorded[]>;
  shutdown(): Promise<void>;
}

export function startRecording(): Recording {
  const trail = createAuditTrail();
  const errors: Recording['errors'] = [];
  const onError = (error: AuditLedgeError, context: ErrorContext) => {
    errors.push({ error, context });
  };
  return {
    client: trail.client,
    errors,
    options: { client: trail.client, onError },
    async recorded() {
      // The server's finish callback may still be pending when the client has read the
      // response; one turn of the event loop lets it enqueue before the flush.
      await new Promise((resolve) => setImmediate(resolve));
      await trail.flush();
      const events = [...trail.events] as unknown as Recorded[];
      trail.clear();
      return events;
    },
    shutdown: async () => {
      await trail.client.shutdown({ timeout: 1000 });
    },
  };
}
