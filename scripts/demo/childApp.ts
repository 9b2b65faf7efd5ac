import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** An example app running as its own process (`node --import tsx examples/<name>/src/server.ts`). */
export interface ChildApp {
  name: string;
  url: string;
  /** Sends SIGTERM and resolves with what the app said about delivery once it has exited with 0. */
  stop(timeoutMs: number): Promise<string>;
  /** SIGKILL if still running: for error paths, so nothing is left behind. */
  kill(): void;
}

/**
 * Starts `examples/<name>/src/server.ts` on a free port, pointed at `env`'s Auditledge API, and
 * resolves once it prints the URL it listens on.
 */
export function startChildApp(
  root: string,
  name: string,
  env: Record<string, string>,
  timeoutMs: number,
  onWarning: (line: string) => void,
): Promise<ChildApp> {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/src/server.ts`], {
    cwd: root,
    // tsx reads one tsconfig, the cwd's by default: the example's own says how it compiles
    // (the NestJS one enables decorators).
    env: { ...process.env, ...env, PORT: '0', TSX_TSCONFIG_PATH: `examples/${name}/tsconfig.json` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (line.startsWith('[audit]')) onWarning(`${name}: ${line}`);
  });
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => output.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const failure = (why: string) =>
    new Error(`${name} example ${why}\n${[...output, ...stderr].map((l) => `  | ${l}`).join('\n')}`);

  return new Promise<ChildApp>((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(failure(`did not start within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(failure(`exited with ${code} before listening`));
    });
    lines.on('line', function awaitUrl(line) {
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      lines.off('line', awaitUrl);
      resolve({ name, url, stop: (ms) => stop(child, exited, output, ms, failure), kill });
    });
  });
}

async function stop(
  child: ChildProcess,
  exited: Promise<number | null>,
  output: string[],
  timeoutMs: number,
  failure: (why: string) => Error,
): Promise<string> {
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const code = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    throw failure(`did not exit within ${timeoutMs / 1000} s of SIGTERM`);
  }
  if (code !== 0) throw failure(`exited with ${code} after SIGTERM`);
  return output.find((line) => line.startsWith('audit events delivered')) ?? '';
}
