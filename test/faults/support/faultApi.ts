import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fault API saw it. */
export interface Seen {
  method: string;
  path: string;
  key: string | undefined;
  authorization: string | undefined;
  body: EventBody | undefined;
  /** 1-based arrival order over the server's whole life (across restarts). */
  n: number;
  /** Arrival time, `performance.now()`. */
  at: number;
}

export interface EventBody {
  actor: { id: string };
  action: string;
  resource: { type: string; id: string };
  metadata?: Record<string, unknown> | null;
  organization_id?: string;
  timestamp: string;
}

/**
 * What to do with one request.
 * - `{ status, delay? }`: answer without storing (an error, or a 2xx that stores nothing),
 *   `delay` ms after the request arrived.
 * - `'reset'` / `'stall'`: destroy the socket / never answer, storing nothing.
 * - `'commit-reset'`: store the event, then destroy the socket half-way through the 201: the
 *   answer is lost, so the client must retry and the store must deduplicate.
 * - `'commit-stall'`: store the event, then never answer (the client times out).
 * - `'commit-malformed'`: store the event and answer 201 with a body that is not the event.
 * - `{ commitAfter: ms }`: store at once, answer 201 after `ms` (so requests are in flight).
 * - `undefined`: the default, store (once per Idempotency-Key) and answer 201 with the event.
 */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: string; delay?: number }
  | 'reset'
  | 'stall'
  | 'commit-reset'
  | 'commit-stall'
  | 'commit-malformed'
  | { commitAfter: number }
  | undefined;

export type FaultScript = (req: Seen) => Fault;

export interface FaultApi {
  readonly url: string;
  readonly port: number;
  /** Every request over the server's life, in arrival order. */
  readonly received: Seen[];
  /** The trail: one entry per Idempotency-Key, in the order first stored. */
  readonly stored: Map<string, EventBody>;
  readonly inFlight: number;
  readonly maxInFlight: number;
  script(fn: FaultScript): void;
  /** Resolves when `predicate` holds; checked on every arrival and every answer. */
  waitFor(predicate: () => boolean): Promise<void>;
  /** Dies: every connection is destroyed mid-flight and the port is released. The trail survives. */
  stop(): Promise<void>;
  /** Comes back on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A free loopback port with nothing listening on it (an API that is down). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A stand-in for the Auditledge API on 127.0.0.1 with a durable-looking trail (it survives
 * stop/start, like a database behind a crashed API process) and scriptable faults.
 * Unlike test/support/scriptedApi.ts it can fail *after* storing an event, which is the case
 * that makes Idempotency-Key matter.
 */
export async function startFaultApi(options: { port?: number; listen?: boolean } = {}): Promise<FaultApi> {
  let script: FaultScript = () => undefined;
  let count = 0;
  let current = 0;
  let maxInFlight = 0;
  let server: Server | undefined;
  let port = options.port ?? 0;
  const received: Seen[] = [];
  const stored = new Map<string, EventBody>();
  const stalled = new Set<ServerResponse>();
  let waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  const check = () => {
    if (waiters.length === 0) return;
    const pending: typeof waiters = [];
    for (const w of waiters) {
      if (w.predicate()) w.resolve();
      else pending.push(w);
    }
    waiters = pending;
  };

  const commit = (seen: Seen) => {
    const key = seen.key ?? randomUUID();
    if (!stored.has(key) && seen.body !== undefined) stored.set(key, seen.body);
    return { success: true, event: { id: key, ...flatten(seen.body) } };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    current++;
    maxInFlight = Math.max(maxInFlight, current);
    res.on('close', () => {
      current--;
      stalled.delete(res);
      check();
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: EventBody | undefined;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as EventBody;
    } catch {
      body = undefined;
    }
    const key = req.headers['idempotency-key'];
    const seen: Seen = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      key: typeof key === 'string' ? key : undefined,
      authorization: req.headers.authorization,
      body,
      n: ++count,
      at: performance.now(),
    };
    received.push(seen);
    check();
    if (seen.method !== 'POST' || seen.path !== '/v1/events') {
      return reply(res, 404, JSON.stringify({ error: 'Not found' }));
    }
    const fault = script(seen);
    if (fault === 'stall') return void stalled.add(res);
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === undefined) return reply(res, 201, JSON.stringify(commit(seen)));
    if (fault === 'commit-stall') {
      commit(seen);
      stalled.add(res);
      return;
    }
    if (fault === 'commit-reset') {
      const payload = JSON.stringify(commit(seen));
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': payload.length });
      res.write(payload.slice(0, 10));
      // Let the partial answer reach the client before the connection dies.
      setTimeout(() => req.socket.destroy(), 1);
      return;
    }
    if (fault === 'commit-malformed') {
      commit(seen);
      return reply(res, 201, '<html>201 Created</html>');
    }
    if ('commitAfter' in fault) {
      const payload = JSON.stringify(commit(seen));
      setTimeout(() => {
        if (!res.destroyed) reply(res, 201, payload);
      }, fault.commitAfter);
      return;
    }
    const answer = () =>
      reply(
        res,
        fault.status,
        fault.body ?? JSON.stringify({ error: `status ${fault.status}` }),
        fault.headers,
      );
    if (fault.delay === undefined) return answer();
    setTimeout(() => {
      if (!res.destroyed) answer();
    }, fault.delay);
  };

  const reply = (res: ServerResponse, status: number, payload: string, headers?: Record<string, string>) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(payload);
    check();
  };

  const api: FaultApi = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    received,
    stored,
    get inFlight() {
      return current;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    script(fn) {
      script = fn;
    },
    waitFor(predicate) {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    async start() {
      const s = createServer((req, res) => {
        handle(req, res).catch(() => res.destroy());
      });
      s.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      port = (s.address() as AddressInfo).port;
      server = s;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s === undefined) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    close() {
      return api.stop();
    },
  };
  if (options.listen !== false) await api.start();
  return api;
}

function flatten(body: EventBody | undefined): Record<string, unknown> {
  return {
    timestamp: body?.timestamp,
    actor_id: body?.actor?.id,
    action: body?.action,
    resource_type: body?.resource?.type,
    resource_id: body?.resource?.id,
    metadata: body?.metadata ?? null,
  };
}
