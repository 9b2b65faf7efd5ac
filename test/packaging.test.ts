import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// Every published package carries the license its manifest names, as does the repository.
const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['core', 'express', 'koa', 'fastify', 'nestjs', 'local'];

describe('licenses', () => {
  test('the repository has an MIT LICENSE', () => {
    expect(readFileSync(`${root}LICENSE`, 'utf8')).toMatch(/^MIT License\n/);
  });

  test.each(packages)('@auditledge/%s packs a LICENSE matching its manifest', (name) => {
    const dir = `${root}packages/${name}`;
    const manifest = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { license: string };
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(`${dir}/LICENSE`, 'utf8')).toBe(readFileSync(`${root}LICENSE`, 'utf8'));
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: dir,
        encoding: 'utf8',
      }),
    ) as [{ files: { path: string }[] }];
    expect(packed.files.map((f) => f.path)).toContain('LICENSE');
  });
});
