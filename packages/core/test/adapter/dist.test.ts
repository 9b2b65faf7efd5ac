import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// The built `@auditledge/core/adapter` must share its classes with `@auditledge/core`: an
// adapter's AL_ERR_MAPPER error has to pass `instanceof AuditLedgeError` in the user's code.
// Needs `pnpm build` first, which `pnpm test` (scripts/setup.mjs) runs.
const pkgDir = fileURLToPath(new URL('../..', import.meta.url));

const script = (load: string) => `${load}
const r = new adapter.AuditRecorder({ apiKey: 'al_x', baseUrl: 'http://127.0.0.1:9',
  action: () => { throw new Error('boom'); },
  onError: (e) => console.log(e instanceof core.AuditLedgeError, e.code) });
r.finish(new adapter.RequestAudit(), { req: {}, method: 'DELETE', route: '/invoices/:id', path: '/invoices/1',
  params: { id: '1' }, status: 204, durationMs: 1 });
console.log(r.client instanceof core.AuditLedge);
r.client.shutdown({ timeout: 10 });`;

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: pkgDir, encoding: 'utf8' }).trim();
}

test('CJS: the adapter subpath shares AuditLedge and AuditLedgeError with the main entry', () => {
  const out = run([
    '-e',
    script("const core = require('@auditledge/core'); const adapter = require('@auditledge/core/adapter');"),
  ]);
  expect(out).toBe('true AL_ERR_MAPPER\ntrue');
});

test('ESM: the adapter subpath shares AuditLedge and AuditLedgeError with the main entry', () => {
  const out = run([
    '--input-type=module',
    '-e',
    script("import * as core from '@auditledge/core'; import * as adapter from '@auditledge/core/adapter';"),
  ]);
  expect(out).toBe('true AL_ERR_MAPPER\ntrue');
});
