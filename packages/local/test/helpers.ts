import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { onTestFinished } from 'vitest';
import {
  type EventsPage,
  type LocalServer,
  type LocalServerOptions,
  type StoredEvent,
  startLocalServer,
  type Usage,
} from '../src/index.js';

export interface Reply<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: T;
}

export interface CallOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <key>`; `null` sends no header. */
  key?: string | null;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** The part of a server that requests need; a server started by the CLI has it too. */
export type Target = Pick<LocalServer, 'url' | 'apiKey'>;

/** One raw HTTP request to the server; `json` is the parsed body when it parses. */
export function call<T = unknown>(
  server: Target,
  path: string,
  options: CallOptions = {},
): Promise<Reply<T>> {
  const { method = 'GET', key = server.apiKey, body, headers = {} } = options;
  const payload =
    body === undefined
      ? undefined
      : typeof body === 'string' || Buffer.isBuffer(body)
        ? body
        : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: json as T });
      });
    });
    req.on('error', reject);
    if (key !== null) req.setHeader('authorization', `Bearer ${key}`);
    if (payload !== undefined) req.setHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.end(payload);
  });
}

/** A server on a free loopback port with an in-memory database, closed when the test ends. */
export async function start(options: LocalServerOptions = {}): Promise<LocalServer> {
  const server = await startLocalServer({ port: 0, db: ':memory:', ...options });
  onTestFinished(() => server.close());
  return server;
}

/** A clock that tests move by hand. */
export function testClock(iso: string): { now: () => Date; set(iso: string): void } {
  let t = Date.parse(iso);
  return {
    now: () => new Date(t),
    set(next) {
      t = Date.parse(next);
    },
  };
}

export interface EventBody {
  actor?: unknown;
  action?: unknown;
  resource?: unknown;
  [field: string]: unknown;
}

/** A valid event body; overrides replace top-level fields. */
export function eventBody(overrides: EventBody = {}): EventBody {
  return {
    actor: { id: 'user_1', name: 'Alice Martin', email: 'alice@example.com' },
    action: 'invoice.deleted',
    resource: { type: 'invoice', id: 'inv_1', name: 'Invoice 1' },
    ...overrides,
  };
}

/** Posts an event and expects a 201. */
export async function logEvent(
  server: LocalServer,
  overrides: EventBody = {},
  options: CallOptions = {},
): Promise<StoredEvent> {
  const reply = await call<{ event: StoredEvent }>(server, '/v1/events', {
    method: 'POST',
    body: eventBody(overrides),
    ...options,
  });
  if (reply.status !== 201) throw new Error(`expected 201, got ${reply.status} ${reply.text}`);
  return reply.json.event;
}

export async function list(server: LocalServer, query = '', key = server.apiKey): Promise<EventsPage> {
  const reply = await call<EventsPage>(server, `/v1/events${query ? `?${query}` : ''}`, { key });
  if (reply.status !== 200) throw new Error(`expected 200, got ${reply.status} ${reply.text}`);
  return reply.json;
}

export async function usage(server: LocalServer, key = server.apiKey): Promise<Usage> {
  const reply = await call<Usage>(server, '/v1/usage', { key });
  if (reply.status !== 200) throw new Error(`expected 200, got ${reply.status} ${reply.text}`);
  return reply.json;
}

/** Everything an account can see: all events (export) and usage. */
export async function snapshot(server: LocalServer, key = server.apiKey): Promise<unknown> {
  const exported = await call(server, '/v1/events/export?format=json', { key });
  return { events: exported.json, usage: await usage(server, key) };
}

/** Sends `count` events with `concurrency` requests in flight; resolves with every status. */
export async function logMany(
  server: LocalServer,
  count: number,
  concurrency = 16,
  overrides: (i: number) => EventBody = () => ({}),
): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const reply = await call(server, '/v1/events', { method: 'POST', body: eventBody(overrides(i)) });
      statuses[i] = reply.status;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}
