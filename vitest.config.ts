import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources, so `pnpm test` needs no build first.
// The built output (ESM + CJS) is checked by packages/core/test/dist.test.ts.
const alias = {
  '@auditledge/core/adapter': src('./packages/core/src/adapter/index.ts'),
  '@auditledge/core/testing': src('./packages/core/src/testing.ts'),
  '@auditledge/core': src('./packages/core/src/index.ts'),
  '@auditledge/express': src('./packages/express/src/index.ts'),
  '@auditledge/koa': src('./packages/koa/src/index.ts'),
  '@auditledge/fastify': src('./packages/fastify/src/index.ts'),
  '@auditledge/nestjs': src('./packages/nestjs/src/index.ts'),
  '@auditledge/local': src('./packages/local/src/index.ts'),
};

const project = (name: string, root: string) => ({
  extends: true as const,
  test: { name, root, include: ['**/*.test.ts'], exclude: ['**/node_modules/**', '**/dist/**'] },
});

/**
 * The framework versions the peer ranges claim, beyond the newest one each package installs as
 * `express`, `koa`, `@koa/router` and `fastify`: the oldest version of each claimed major and the
 * newest of the older major, installed side by side under pnpm aliases (`express-4.21.0:
 * npm:express@4.21.0`). Each runs the adapter's own suite with the bare name redirected to the
 * alias: its own tests and, through its contract.test.ts, the adapter contract (test/contract).
 * Type tests and child-process tests (which cannot see the redirect) run once, above.
 */
const versions = (framework: string, root: string, variants: Record<string, Record<string, string>>) =>
  Object.entries(variants).map(([version, redirects]) => ({
    extends: true as const,
    resolve: {
      alias: Object.entries(redirects).map(([name, installedAs]) => ({
        find: new RegExp(`^${name.replace('/', '\\/')}$`),
        replacement: installedAs,
      })),
    },
    test: {
      name: `${framework}@${version}`,
      root,
      include: ['**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**', '**/types.test.ts', '**/*Process.test.ts'],
    },
  }));

// What packages/core/tsup.config.ts writes into the build, so the sources see the same User-Agent.
const coreVersion = (
  JSON.parse(readFileSync(src('./packages/core/package.json'), 'utf8')) as { version: string }
).version;

export default defineConfig({
  define: { __AUDITLEDGE_VERSION__: JSON.stringify(coreVersion) },
  resolve: { alias },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      project('core', 'packages/core'),
      // The whole core suite again with every client delivering from the app's thread (the
      // default is a delivery worker, core's built dist/deliveryWorker.js, so `npm test` builds
      // first; AUDITLEDGE_DELIVERY sets the default; clients with a custom transport or a spool
      // deliver in-thread in both).
      {
        extends: true as const,
        test: {
          name: 'core (thread)',
          root: 'packages/core',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          env: { AUDITLEDGE_DELIVERY: 'thread' },
        },
      },
      project('express', 'packages/express'),
      project('koa', 'packages/koa'),
      project('fastify', 'packages/fastify'),
      ...versions('express', 'packages/express', {
        '4.21.0': { express: 'express-4.21.0' },
        '4': { express: 'express-4' },
        '5.0': { express: 'express-5.0' },
      }),
      ...versions('koa', 'packages/koa', {
        '2.15.0+router12': { koa: 'koa-2.15.0', '@koa/router': 'koa-router-12' },
        '2+router13': { koa: 'koa-2', '@koa/router': 'koa-router-13' },
        '3.0.0+router14': { koa: 'koa-3.0.0', '@koa/router': 'koa-router-14' },
        '3+koa-router7': { '@koa/router': 'koa-router-legacy-7' },
      }),
      ...versions('fastify', 'packages/fastify', {
        '4.26.0': { fastify: 'fastify-4.26.0' },
        '4': { fastify: 'fastify-4' },
      }),
      project('nestjs', 'packages/nestjs'),
      // Nest's packages peer-depend on each other, which pnpm aliases in one package cannot pair
      // up: each version is a private workspace package of its own (packages/nestjs/versions/*),
      // and every @nestjs name is redirected to what that package installed. 11.0 and 12.0 are
      // the exact floors of the peer ranges (11.0.0, with platform-fastify 11.0.3; 12.0.1).
      ...versions(
        'nestjs',
        'packages/nestjs',
        Object.fromEntries(
          ['11.0', '11', '12.0'].map((version) => [
            version,
            Object.fromEntries(
              ['common', 'core', 'platform-express', 'platform-fastify', 'testing'].map((name) => [
                `@nestjs/${name}`,
                src(`./packages/nestjs/versions/${version}/node_modules/@nestjs/${name}`),
              ]),
            ),
          ]),
        ),
      ),
      project('local', 'packages/local'),
      project('e2e', 'test'),
    ],
  },
});
