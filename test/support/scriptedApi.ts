import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the scripted API saw it. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** ms since the server started. */
  at: number;
  /** 1-based arrival order. */
  n: number;
}

/** What to answer: an HTTP reply, or a fault. */
export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string>; rawBody?: string }
  /** Destroy the socket after reading the request: the client sees a reset. */
  | 'reset'
  /** Never answer (until the server closes). */
  | 'stall';

export type Script = (req: Received) => Reply | undefined | Promise<Reply | undefined>;

export interface ScriptedApi {
  url: string;
  /** Every request, in arrival order. */
  received: Received[];
  /** Bodies of the events stored (201), once per Idempotency-Key. */
  stored: Record<string, unknown>[];
  /** Most requests seen in flight at once. */
  readonly maxConcurrent: number;
  readonly inFlight: number;
  /** Replaces the behaviour; returning undefined falls back to the default 201. */
  script(fn: Script): void;
  /** Resolves when `predicate` holds, checked after every request. */
  waitFor(predicate: (api: ScriptedApi) => boolean): Promise<void>;
  /**
   * `events` (bodies from `stored`) in the order the client enqueued them: by the Idempotency-Key
   * each was stored under, a UUIDv7 that increases within a process. Arrival order is not it: up
   * to `concurrency` requests race on as many connections.
   */
  inEnqueueOrder(events: readonly Record<string, unknown>[]): Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A scripted Auditledge API on 127.0.0.1, port 0. By default it behaves like the real
 * one for `POST /v1/events` (201 with a stored event, deduplicated by Idempotency-Key);
 * a script makes it fail in any way a network or server can.
 */
export async function startScriptedApi(initial?: Script): Promise<ScriptedApi> {
  const started = Date.now();
  let script: Script | undefined = initial;
  let current = 0;
  let maxConcurrent = 0;
  let count = 0;
  const byKey = new Map<string, unknown>();
  const waiters: { predicate: (api: ScriptedApi) => boolean; resolve: () => void }[] = [];
  const received: Received[] = [];
  const stored: Record<string, unknown>[] = [];
  const storedKeys = new WeakMap<object, string>();

  const defaultReply = (req: Received): Reply => {
    if (req.method !== 'POST' || req.path !== '/v1/events')
      return { status: 404, body: { error: 'Not found' } };
    const key = String(req.headers['idempotency-key'] ?? randomUUID());
    let event = byKey.get(key);
    if (event === undefined) {
      const b = req.body as {
        actor?: { id?: string; name?: string; email?: string };
        resource?: { type?: string; id?: string; name?: string };
        action?: string;
        timestamp?: string;
        metadata?: unknown;
        organization_id?: string;
      };
      event = {
        id: randomUUID(),
        timestamp: b.timestamp ?? new Date().toISOString(),
        actor_id: b.actor?.id,
        actor_name: b.actor?.name ?? null,
        actor_email: b.actor?.email ?? null,
        action: b.action,
        resource_type: b.resource?.type,
        resource_id: b.resource?.id,
        resource_name: b.resource?.name ?? null,
        metadata: b.metadata ?? null,
        organization_id: b.organization_id ?? 'org_default',
        api_key_id: 'key_1',
      };
      byKey.set(key, event);
      storedKeys.set(b as object, key);
      stored.push(b as Record<string, unknown>);
    }
    return { status: 201, body: { success: true, event } };
  };

  const checkWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.predicate(api)) waiters.splice(i, 1)[0]!.resolve();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    current++;
    maxConcurrent = Math.max(maxConcurrent, current);
    res.on('close', () => {
      current--;
      checkWaiters();
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // keep the raw text
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const entry: Received = {
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: req.headers,
      body,
      at: Date.now() - started,
      n: ++count,
    };
    received.push(entry);
    checkWaiters();
    const reply = (await script?.(entry)) ?? defaultReply(entry);
    if (reply === 'stall') return;
    if (reply === 'reset') {
      req.socket.destroy();
      return;
    }
    const payload = reply.rawBody ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(payload);
    checkWaiters();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const api: ScriptedApi = {
    url: `http://127.0.0.1:${port}`,
    received,
    stored,
    get maxConcurrent() {
      return maxConcurrent;
    },
    get inFlight() {
      return current;
    },
    script(fn) {
      script = fn;
    },
    waitFor(predicate) {
      if (predicate(api)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    inEnqueueOrder(events) {
      const key = (e: object) => storedKeys.get(e) ?? '';
      return [...events].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

/** Scripted replies by arrival order: `sequence(['reset', {status: 500}])` then the default. */
export function sequence(replies: Reply[]): Script {
  return (req) => replies[req.n - 1];
}
