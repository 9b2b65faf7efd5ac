import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const srcIndex = fileURLToPath(new URL('../src/index.ts', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `body` in a plain Node child process (through tsx, on the TypeScript sources), with
 * `AuditLedge` in scope: as an ES module (`await` at top level) or as CommonJS (the body
 * runs in an async function, as a CJS script would). What the
 * process does when its code ends is the point, so nothing here keeps it alive.
 */
export function runScript(kind: 'esm' | 'cjs', body: string, killAfterMs = 15_000): Promise<ChildResult> {
  const source =
    kind === 'esm'
      ? `import { AuditLedge } from ${JSON.stringify(srcIndex)};\n${body}`
      : `const { AuditLedge } = require(${JSON.stringify(srcIndex)});\n(async () => {\n${body}\n})();`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', `--input-type=${kind === 'esm' ? 'module' : 'commonjs'}`, '-e', source],
    { cwd: pkgDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AUDITLEDGE_API_KEY: '' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export const EVENT = `{ actor: { id: 'u_1' }, action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_1' } }`;
