import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// The published shape: ESM and CJS entry points of the built package, loaded by plain Node 20.
const pkgDir = fileURLToPath(new URL('..', import.meta.url));

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: pkgDir, encoding: 'utf8' }).trim();
}

// Needs `pnpm build` first, which `pnpm test` (scripts/setup.mjs) runs.
describe('built package', () => {
  test('import() of @auditledge/core works (ESM)', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `import { AuditLedge, AuditLedgeError } from '@auditledge/core';
       import * as adapter from '@auditledge/core/adapter';
       const a = new AuditLedge('al_x', { baseUrl: 'http://127.0.0.1:9' });
       console.log(typeof AuditLedge, new AuditLedgeError('AL_ERR_HTTP', 'm').code, a.stats().state, typeof adapter);`,
    ]);
    expect(out).toBe('function AL_ERR_HTTP running object');
  });

  test('require() of @auditledge/core works (CJS)', () => {
    const out = run([
      '-e',
      `const { AuditLedge, AuditLedgeValidationError } = require('@auditledge/core');
       require('@auditledge/core/adapter');
       const a = new AuditLedge('al_x', { baseUrl: 'http://127.0.0.1:9' });
       let field; try { a.enqueue({}); } catch (e) { field = e instanceof AuditLedgeValidationError && e.field; }
       console.log(typeof AuditLedge, field);`,
    ]);
    expect(out).toBe('function actor');
  });
});
