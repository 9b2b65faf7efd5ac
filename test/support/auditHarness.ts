import { AuditLedge, type AuditLedgeError, type ErrorContext } from '@auditledge/core';
import { type ScriptedApi, startScriptedApi } from './scriptedApi.js';

/** A stored event body as the adapters send it. */
export interface SentEvent {
  actor: { id: string; name?: string; email?: string };
  action: string;
  resource: { type: string; id: string; name?: string };
  organization_id?: string;
  metadata?: Record<string, unknown>;
  timestamp: string;
}

/**
 * A real client delivering to a scripted API on loopback, for adapter tests: `sent()` flushes
 * the client (no sleeping) and returns, then forgets, what reached the API; `errors` collects
 * what the adapter handed to `onError`.
 */
export interface AuditHarness {
  api: ScriptedApi;
  client: AuditLedge;
  errors: { error: AuditLedgeError; context: ErrorContext }[];
  onError: (error: AuditLedgeError, context: ErrorContext) => void;
  sent(): Promise<SentEvent[]>;
  close(): Promise<void>;
}

export async function startAuditHarness(): Promise<AuditHarness> {
  const api = await startScriptedApi();
  const client = new AuditLedge('al_test_adapter', { baseUrl: api.url, flushInterval: 5 });
  const errors: AuditHarness['errors'] = [];
  return {
    api,
    client,
    errors,
    onError: (error, context) => {
      errors.push({ error, context });
    },
    async sent() {
      // The server's finish callback may still be pending when the HTTP client has read the
      // response; one turn of the event loop lets it enqueue before the flush.
      await new Promise((resolve) => setImmediate(resolve));
      await client.flush();
      // In enqueue order, not arrival order (concurrent requests race; the delivery worker batches).
      return api.inEnqueueOrder(api.stored.splice(0)) as unknown as SentEvent[];
    },
    async close() {
      await client.shutdown({ timeout: 1000 });
      await api.close();
    },
  };
}
