// What one adapter's factory provides to the contract suite: an app built from routes declared
// in a neutral form, with the adapter mounted the framework's way, listening on loopback.
import type { AddressInfo } from 'node:net';
import type { AuditHandle } from '@auditledge/core/adapter';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The request's audit handle: `req.audit`, `ctx.state.audit` or `request.audit`. */
export type Handle = AuditHandle;

/** What a route's `work` sees inside its handler. */
export interface WorkContext {
  handle: Handle;
  /** The request's JSON body, parsed (`{}` without one). */
  body: Record<string, unknown>;
  /** Resolves when the server side of this request's connection has closed. */
  onClientClose(): Promise<void>;
}

export interface Route {
  method: Method;
  /** The template as declared on its router (relative to `mount`). */
  path: string;
  /**
   * The prefixes the route's router is mounted under, outermost first: one router (Express
   * `app.use(prefix, router)`, Koa `new Router({ prefix })`, a Fastify plugin's `prefix`) per entry,
   * each nested in the one before.
   */
  mount?: string[];
  /** The status answered (default 200). */
  status?: number;
  /** A body to answer with: JSON, or text for a string. */
  body?: unknown;
  /** Response headers to set. */
  headers?: Record<string, string>;
  /** Fails instead of answering: an error carrying `status`, thrown at once or after an await. */
  fail?: { status: number; async?: boolean };
  /** Runs in the handler before it answers: calls on the handle, waits. */
  work?: (ctx: WorkContext) => void | Promise<void>;
  /** The per-route declaration: `audit(spec)` in Express and Koa, `config.audit` in Fastify. */
  spec?: string | false | Record<string, unknown>;
}

export interface AppOptions {
  /**
   * The adapter's options; `undefined` mounts it with none (`auditMiddleware()`,
   * `register(auditledge)`), `false` not at all (the bare app).
   */
  options: Record<string, unknown> | undefined | false;
  routes: Route[];
}

export interface RunningApp {
  url: string;
  /**
   * The shutdown the adapter's README prescribes, which must lose no event: Express and Koa
   * `server.close(() => audit.client.shutdown())`, Fastify `app.close()`.
   */
  shutdown(): Promise<void>;
  /** Stops the server, closing open connections; leaves a client the test passed running. */
  close(): Promise<void>;
}

/**
 * One adapter under the contract. Every app it starts also sets the framework's user slot
 * (`req.user`, `ctx.state.user`, `request.user`) from an `x-user` request header holding JSON,
 * before the adapter runs, as an auth middleware would.
 */
export interface ContractAdapter {
  name: string;
  start(app: AppOptions): Promise<RunningApp>;
  /** The `metadata.request_id` of a request that sent `x-request-id: sent` and whose app set none. */
  requestIdFor(sent: string): unknown;
}

/** The error a failing route throws: `status` for Express and Koa, `statusCode` for Fastify. */
export function failure(status: number): Error {
  return Object.assign(new Error(`failed with ${status}`), { status, statusCode: status, expose: true });
}

/** A request header, read from a mapper's request object (Express req, Koa ctx, Fastify request). */
export function header(native: unknown, name: string): string | undefined {
  return (native as { headers: Record<string, string | undefined> }).headers[name];
}

/** The user an `x-user` header carries, for the factories. */
export function userFrom(header: unknown): unknown {
  return typeof header === 'string' && header !== '' ? JSON.parse(header) : undefined;
}

/** The `RunningApp` of a Node server once it listens; `shutdown` ends with `afterClose`. */
export async function listening(
  server: import('node:http').Server,
  afterClose: () => Promise<unknown> = async () => undefined,
): Promise<RunningApp> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  let closed: Promise<void> | undefined;
  const stop = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    shutdown: async () => {
      await stop();
      await afterClose();
    },
    close: () => {
      server.closeAllConnections();
      return stop();
    },
  };
}

/** Resolves when the server side of this response's connection has closed. */
export function onClose(res: import('node:http').ServerResponse): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (res.closed) resolve();
      else res.once('close', () => resolve());
    });
}

/** Routes grouped by their mount chain, in declaration order. */
export function byMount(routes: Route[]): [string[], Route[]][] {
  const groups = new Map<string, [string[], Route[]]>();
  for (const route of routes) {
    const mount = route.mount ?? [];
    const key = mount.join('\0');
    if (!groups.has(key)) groups.set(key, [mount, []]);
    groups.get(key)![1].push(route);
  }
  return [...groups.values()];
}
