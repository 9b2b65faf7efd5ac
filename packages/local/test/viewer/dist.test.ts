import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// The built bundles find the viewer's files from dist/ (one level up) in both module formats:
// the CJS build has no import.meta.url of its own and relies on tsup's shim.
const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const probe = `const s = await startLocalServer();
  const page = await fetch(s.url + '/'); const js = await fetch(s.url + '/viewer/js/main.js');
  console.log(page.status, js.status, js.headers.get('content-type')); await s.close();`;

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: pkgDir, encoding: 'utf8' }).trim();
}

// Needs `pnpm build` first, which `pnpm test` (scripts/setup.mjs) runs.
describe('the built package serves the viewer', () => {
  test('from the ESM bundle', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `import { startLocalServer } from '@auditledge/local';\n${probe}`,
    ]);
    expect(out).toBe('200 200 text/javascript; charset=utf-8');
  });

  test('from the CJS bundle', () => {
    const out = run([
      '-e',
      `const { startLocalServer } = require('@auditledge/local');\n(async () => { ${probe} })();`,
    ]);
    expect(out).toBe('200 200 text/javascript; charset=utf-8');
  });
});
