// `@auditledge/core/testing`: an in-memory audit trail for an app's own test suite. No API key,
// no network, nothing that keeps a test process alive; events are kept for assertions.
import { AuditLedge } from './client.js';
import type { ClientOptions } from './options.js';
import type { Transport, TransportRequest, TransportResponse } from './transport.js';
import type { AuditEventInput, StoredEvent } from './types.js';

/** An event as the trail received it: the body the client sent, plus the id and timestamp it was stored with. */
export interface RecordedEvent extends Omit<AuditEventInput, 'timestamp'> {
  /** The event's id (its Idempotency-Key). */
  readonly id: string;
  readonly timestamp: string;
}

/** An in-memory trail and the client that writes to it. */
export interface AuditTrail {
  /** A real `AuditLedge` client whose transport is this trail: pass it as `client` to an adapter. */
  readonly client: AuditLedge;
  /** Every event stored so far, oldest first (each once, whatever the retries). */
  readonly events: readonly RecordedEvent[];
  /** Waits until every event accepted so far (and any being built by an adapter) is in `events`. */
  flush(): Promise<void>;
  /** Forgets the events stored so far (between tests). */
  clear(): void;
}

/** Options of `createAuditTrail()`: client options, less the ones that name a network. */
export type AuditTrailOptions = Omit<ClientOptions, 'transport' | 'baseUrl' | 'spool'>;

const TEST_KEY = 'al_test_in_memory';

/**
 * A fresh in-memory trail. Everything the client does runs for real (validation, redaction by
 * the adapters, batching, `stats()`); only the HTTP exchange is replaced by a store in memory
 * that answers like the API (`POST /v1/events`, `GET /v1/events`, `GET /v1/events/:id`).
 *
 * @example
 * const trail = createAuditTrail();
 * app.use(auditMiddleware({ client: trail.client }));
 * await request(app).delete('/invoices/inv_1');
 * await trail.flush();
 * expect(trail.events).toContainEqual(expect.objectContaining({ action: 'invoice.deleted' }));
 */
export function createAuditTrail(options: AuditTrailOptions = {}): AuditTrail {
  const events: RecordedEvent[] = [];
  const byId = new Map<string, RecordedEvent>();
  const transport: Transport = {
    request: async (request) => answer(request, events, byId),
    stream: async () => {
      throw new Error('exportStream() is not available on the in-memory audit trail; read trail.events');
    },
  };
  // Sent at once: a test reads the trail right after the request, after one flush().
  const client = new AuditLedge(TEST_KEY, { flushInterval: 1, ...options, transport });
  return {
    client,
    events,
    flush: () => client.flush(),
    clear: () => {
      events.length = 0;
      byId.clear();
    },
  };
}

const kShared = Symbol.for('auditledge.testing.sharedTrail');

/**
 * The trail the adapters write to when the environment variable `AUDITLEDGE_TEST` is `1` or
 * `true` and they are given no `client`: an app's own test suite runs with no API key and no
 * network, unchanged, and its tests assert on this trail. One per process, shared by every copy
 * of `@auditledge/core`.
 *
 * @example
 * // AUDITLEDGE_TEST=1 vitest
 * const trail = sharedAuditTrail();
 * beforeEach(() => trail.clear());
 */
export function sharedAuditTrail(): AuditTrail {
  const holder = globalThis as { [kShared]?: AuditTrail };
  holder[kShared] ??= createAuditTrail();
  return holder[kShared];
}

/** Whether `AUDITLEDGE_TEST` asks the adapters for the shared in-memory trail. */
export function testModeRequested(): boolean {
  const value = process.env.AUDITLEDGE_TEST;
  return value === '1' || value === 'true';
}

function json(status: number, body: unknown): TransportResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function answer(
  request: TransportRequest,
  events: RecordedEvent[],
  byId: Map<string, RecordedEvent>,
): TransportResponse {
  const url = new URL(request.path, 'http://trail.test');
  if (request.method === 'POST' && url.pathname === '/v1/events') {
    const id = request.headers['idempotency-key'] ?? `evt_${events.length + 1}`;
    const known = byId.get(id);
    if (known !== undefined) return json(201, { success: true, event: stored(known) });
    const body = JSON.parse(request.body ?? '{}') as AuditEventInput;
    const timestamp = body.timestamp === undefined ? new Date().toISOString() : String(body.timestamp);
    const event: RecordedEvent = { ...body, id, timestamp };
    byId.set(id, event);
    events.push(event);
    return json(201, { success: true, event: stored(event) });
  }
  if (request.method === 'GET' && url.pathname === '/v1/events') {
    const q = url.searchParams;
    const limit = Math.min(Number(q.get('limit') ?? 50) || 50, 1000);
    const offset = Math.max(Number(q.get('offset') ?? 0) || 0, 0);
    const matches = events
      .map(stored)
      .filter(
        (e) =>
          (q.get('action') === null || e.action.toLowerCase().includes(q.get('action')!.toLowerCase())) &&
          (q.get('actor_id') === null || e.actor_id === q.get('actor_id')) &&
          (q.get('resource_type') === null || e.resource_type === q.get('resource_type')) &&
          (q.get('organization_id') === null || e.organization_id === q.get('organization_id')),
      )
      .reverse();
    return json(200, { events: matches.slice(offset, offset + limit), total: matches.length, limit, offset });
  }
  const one = /^\/v1\/events\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && one !== null) {
    const event = byId.get(decodeURIComponent(one[1]!));
    return event === undefined ? json(404, { error: 'Event not found' }) : json(200, stored(event));
  }
  return json(404, {
    error: `${request.method} ${url.pathname} is not available on the in-memory audit trail`,
  });
}

function stored(e: RecordedEvent): StoredEvent {
  const actor = typeof e.actor === 'object' && e.actor !== null ? e.actor : { id: String(e.actor) };
  return {
    id: e.id,
    timestamp: e.timestamp,
    actor_id: actor.id,
    actor_name: actor.name ?? null,
    actor_email: actor.email ?? null,
    action: e.action,
    resource_type: e.resource.type,
    resource_id: e.resource.id,
    resource_name: e.resource.name ?? null,
    metadata: (e.metadata as Record<string, unknown> | undefined) ?? null,
    organization_id: e.organization_id ?? null,
    api_key_id: null,
  };
}
