import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  test('both builds print real class names, and instanceof holds across them', () => {
    const out = run([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       import { inspect } from 'node:util';
       import * as esm from '@auditledge/core';
       const cjs = createRequire(process.cwd() + '/')('@auditledge/core');
       const lines = [];
       for (const [build, other] of [[esm, cjs], [cjs, esm]]) {
         const v = new build.AuditLedgeValidationError('actor.id', 'is required');
         const n = new build.AuditLedgeNotFoundError('gone');
         const e = new build.AuditLedgeError('AL_ERR_HTTP', 'm');
         lines.push([
           build.AuditLedgeError.name, build.AuditLedgeValidationError.name,
           inspect(v).split('\\n')[0], inspect(e).split('\\n')[0],
           v instanceof other.AuditLedgeError, v instanceof other.AuditLedgeValidationError,
           n instanceof other.AuditLedgeNotFoundError, e instanceof other.AuditLedgeValidationError,
           new Error('x') instanceof other.AuditLedgeError, null instanceof other.AuditLedgeError,
         ].join('|'));
       }
       console.log(lines.join('\\n'));`,
    ]);
    const expected =
      'AuditLedgeError|AuditLedgeValidationError|AuditLedgeValidationError: Invalid actor.id: is required|AuditLedgeError: m|true|true|true|false|false|false';
    expect(out.split('\n')).toEqual([expected, expected]);
  });

  test('the User-Agent carries the version in package.json, in both builds', () => {
    const { version } = JSON.parse(readFileSync(`${pkgDir}/package.json`, 'utf8')) as { version: string };
    const script = `
      const http = require('node:http');
      const server = http.createServer((req, res) => {
        res.end(JSON.stringify({ plan: req.headers['user-agent'] }));
      }).listen(0, '127.0.0.1', async () => {
        const { AuditLedge } = LOAD;
        const audit = new AuditLedge('al_x', { baseUrl: 'http://127.0.0.1:' + server.address().port });
        console.log((await audit.usage()).plan);
        await audit.shutdown();
        server.close();
      });`;
    for (const load of ["require('@auditledge/core')", "await import('@auditledge/core')"]) {
      expect(run(['-e', script.replace('LOAD', load)])).toBe(`auditledge-node/${version}`);
    }
    // No literal to keep in step: the sources take it from the build.
    const headers = readFileSync(`${pkgDir}/src/headers.ts`, 'utf8');
    expect(headers).not.toMatch(/['"`]\d+\.\d+\.\d+['"`]/);
  });
});

interface Target {
  types: string;
  default: string;
}
interface Manifest {
  files: string[];
  exports: Record<string, string | { import: Target; require: Target }>;
}

// jest <= 27 (the `resolve` package) and other resolvers that ignore `exports` look for a
// `<subpath>/package.json` in the package instead; these stubs must point where `exports` does.
describe('subpaths for resolvers without exports support', () => {
  const manifest = JSON.parse(readFileSync(`${pkgDir}/package.json`, 'utf8')) as Manifest;
  const subpaths = Object.keys(manifest.exports)
    .filter((key) => key !== '.' && key !== './package.json')
    .map((key) => key.slice(2));

  test('there are subpaths to check', () => {
    expect(subpaths).toEqual(['adapter', 'testing', 'worker']);
  });

  test.each(subpaths)('%s/package.json points at the files exports names, and is published', (sub) => {
    const entry = manifest.exports[`./${sub}`];
    if (typeof entry !== 'object') throw new Error(`exports['./${sub}'] is not conditional`);
    const stub = JSON.parse(readFileSync(`${pkgDir}/${sub}/package.json`, 'utf8')) as Record<string, string>;
    const fromStub = (field: string) => join(pkgDir, sub, stub[field] ?? `(no ${field})`);
    expect(fromStub('main')).toBe(join(pkgDir, entry.require.default));
    expect(fromStub('types')).toBe(join(pkgDir, entry.require.types));
    expect(fromStub('module')).toBe(join(pkgDir, entry.import.default));
    expect(existsSync(fromStub('main'))).toBe(true);
    expect(manifest.files).toContain(sub);
  });
});
