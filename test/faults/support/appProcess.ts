import { type ChildProcess, fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AppConfig, ChildMessage, Command, Framework, Snapshot } from '../fixtures/protocol.js';

const fixture = fileURLToPath(new URL('../fixtures/app.ts', import.meta.url));
// Maps @auditledge/* to the TypeScript sources for tsx, so the adapters in the child run the
// same code as the tests (no build needed, no stale dist).
const tsconfig = fileURLToPath(new URL('../fixtures/tsconfig.json', import.meta.url));

/** Every app the fixture can run: a bare node:http app on the core client, and one per adapter. */
export const frameworks: Framework[] = [
  'node',
  'express',
  'koa',
  'fastify',
  'nestjs-express',
  'nestjs-fastify',
];

export const API_KEY = 'al_live_fault_suite_0123456789abcdef';

/** Small timings so a whole outage and its recovery take well under a second. */
export const fastClient: AppConfig['client'] = {
  flushInterval: 5,
  flushAt: 10,
  concurrency: 8,
  retryBaseDelay: 5,
  maxRetryDelay: 40,
  timeout: 250,
  authRetryInterval: 150,
  quotaRetryInterval: 150,
  maxQueueSize: 2_000,
  maxQueueBytes: 1024 * 1024,
};

export interface Response {
  path: string;
  status: number;
  body: string;
}

export interface AppProcess {
  readonly port: number;
  readonly child: ChildProcess;
  readonly messages: ChildMessage[];
  /** stderr of the child, for failure messages. */
  stderr(): string;
  stats(): Promise<Snapshot>;
  /** Awaits `client.flush()` in the child. */
  flush(): Promise<Snapshot>;
  setApiKey(key: string): Promise<Snapshot>;
  /** Sends requests over keep-alive connections, `concurrency` at a time, in order. */
  traffic(method: string, paths: string[], concurrency?: number): Promise<Response[]>;
  /** The next message of a type (or one already received). */
  message<T extends ChildMessage['type']>(type: T): Promise<Extract<ChildMessage, { type: T }>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ends the child if a test left it running. */
  dispose(): Promise<void>;
}

/** Starts test/faults/fixtures/app.ts in a child process and waits until it listens. */
export async function startApp(options: {
  framework?: Framework;
  baseUrl: string;
  client?: AppConfig['client'];
  shutdownTimeout?: number;
  apiKey?: string;
}): Promise<AppProcess> {
  const config: AppConfig = {
    framework: options.framework ?? 'node',
    apiKey: options.apiKey ?? API_KEY,
    client: { ...fastClient, ...options.client, baseUrl: options.baseUrl },
    shutdownTimeout: options.shutdownTimeout ?? 5_000,
  };
  const child = fork(fixture, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      AL_FAULT_APP: JSON.stringify(config),
      AUDITLEDGE_API_KEY: '',
      TSX_TSCONFIG_PATH: tsconfig,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdout?.on('data', (d) => {
    stderr += d;
  });
  const messages: ChildMessage[] = [];
  const listeners = new Set<(m: ChildMessage) => void>();
  child.on('message', (m: ChildMessage) => {
    messages.push(m);
    for (const l of listeners) l(m);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });

  const message = <T extends ChildMessage['type']>(type: T) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      const found = messages.find((m) => m.type === type);
      if (found) return resolve(found as Extract<ChildMessage, { type: T }>);
      const listener = (m: ChildMessage) => {
        if (m.type !== type) return;
        listeners.delete(listener);
        resolve(m as Extract<ChildMessage, { type: T }>);
      };
      listeners.add(listener);
      exited.then(({ code, signal }) => {
        listeners.delete(listener);
        reject(new Error(`app exited (${code ?? signal}) before sending ${type}\n${stderr}`));
      });
    });

  let nextId = 0;
  const command = (cmd: Omit<Command, 'id'>) =>
    new Promise<Snapshot>((resolve, reject) => {
      const id = ++nextId;
      const listener = (m: ChildMessage) => {
        if (m.type !== 'snapshot' || m.id !== id) return;
        listeners.delete(listener);
        resolve(m);
      };
      listeners.add(listener);
      child.send({ ...cmd, id } as Command);
      exited.then(({ code, signal }) => reject(new Error(`app exited (${code ?? signal})\n${stderr}`)));
    });

  const ready = await message('ready');
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const one = (method: string, path: string) =>
    new Promise<Response>((resolve) => {
      const req = request({ host: '127.0.0.1', port: ready.port, method, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ path, status: res.statusCode ?? 0, body }));
        res.on('error', (err) => resolve({ path, status: 0, body: String(err) }));
      });
      req.on('error', (err) => resolve({ path, status: 0, body: String(err) }));
      req.end();
    });

  return {
    port: ready.port,
    child,
    messages,
    stderr: () => stderr,
    stats: () => command({ cmd: 'stats' }),
    flush: () => command({ cmd: 'flush' }),
    setApiKey: (key) => command({ cmd: 'setApiKey', key } as Omit<Command, 'id'>),
    async traffic(method, paths, concurrency = 4) {
      const out: Response[] = new Array(paths.length);
      let next = 0;
      const worker = async () => {
        while (next < paths.length) {
          const i = next++;
          out[i] = await one(method, paths[i]!);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return out;
    },
    message,
    exited,
    async dispose() {
      agent.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** `count` paths `/<prefix>/<tag>_<i>`, each resource id unique within a test. */
export function ids(tag: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${tag}_${i}`);
}
