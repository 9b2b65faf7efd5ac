import { expect } from 'vitest';
import { type AuditEventInput, AuditLedge, type ClientOptions } from '../src/index.js';

export const KEY = 'al_test_0123456789abcdef';

export function event(n = 1, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    actor: { id: `user_${n}`, name: 'Alice', email: 'alice@example.com' },
    action: 'invoice.deleted',
    resource: { type: 'invoice', id: `inv_${n}` },
    ...extra,
  };
}

/** A client with small, test-friendly timings unless overridden. */
export function client(baseUrl: string, options: ClientOptions = {}): AuditLedge {
  return new AuditLedge(KEY, {
    baseUrl,
    flushInterval: 5,
    retryBaseDelay: 5,
    maxRetryDelay: 50,
    timeout: 2_000,
    ...options,
  });
}

/** The accounting invariant of DESIGN.md section 4. */
export function expectInvariant(audit: AuditLedge): void {
  const s = audit.stats();
  expect(s.accepted).toBe(s.delivered + s.dropped.total + s.queued + s.inFlight);
}
