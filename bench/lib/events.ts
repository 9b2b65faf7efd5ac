// The events the enqueue benchmarks time (bench/enqueue.ts, bench/enqueueVs.ts, bench/spool.ts).
import type { AuditEventInput } from '@auditledge/core';

/** The smallest valid event, as bench/delivery.ts sends. */
export const minimalEvent: AuditEventInput = {
  actor: { id: 'user_1', name: 'Alice' },
  action: 'invoice.deleted',
  resource: { type: 'invoice', id: 'inv_1' },
};

/** What an adapter enqueues: actor, organization, resource and the default request metadata. */
export const adapterEvent: AuditEventInput = {
  actor: { id: 'user_1', name: 'Alice', email: 'alice@example.com' },
  action: 'invoice.deleted',
  resource: { type: 'invoice', id: 'inv_456' },
  organization_id: 'org_1',
  metadata: {
    ip: '127.0.0.1',
    user_agent: 'autocannon',
    method: 'DELETE',
    route: '/invoices/:id',
    path: '/invoices/inv_456',
    status: 200,
    duration_ms: 1.2,
  },
};
