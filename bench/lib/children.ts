// Every process a benchmark starts goes through here, so none outlives the run: the parent
// kills whatever is left when it exits, crashes or is interrupted, and each child exits by
// itself when its IPC channel closes (a parent killed with SIGKILL).
import { type ChildProcess, fork } from 'node:child_process';

const live = new Set<ChildProcess>();

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export interface ForkOptions {
  env?: Record<string, string>;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  execArgv?: string[];
}

/** Forks a TypeScript file (through tsx) with an IPC channel; stdout/stderr are shared. */
export function forkTs(file: string, options: ForkOptions = {}): ChildProcess {
  const child = fork(file, [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Resolves with the first IPC message of `type` (or of any of `types`); rejects if the child exits first or `ms` pass. */
export function nextMessage<T>(child: ChildProcess, type: string | string[], ms = 30_000): Promise<T> {
  const types = Array.isArray(type) ? type : [type];
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no '${type}' message within ${ms} ms`)), ms);
    const onMessage = (msg: { type?: string }) => {
      if (msg?.type !== undefined && types.includes(msg.type)) done(undefined, msg as T);
    };
    const onExit = (code: number | null) => done(new Error(`child exited (${code}) before '${type}'`));
    function done(err: Error | undefined, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks the child to exit and waits (at most `ms`, then SIGKILL). */
export function stopChild(child: ChildProcess, ms = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ type: 'exit' });
    else child.kill('SIGTERM');
  });
}
