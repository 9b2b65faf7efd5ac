import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources, so `pnpm test` needs no build first.
// The built output (ESM + CJS) is checked by packages/core/test/dist.test.ts.
const alias = {
  '@auditledge/core/adapter': src('./packages/core/src/adapter/index.ts'),
  '@auditledge/core': src('./packages/core/src/index.ts'),
  '@auditledge/express': src('./packages/express/src/index.ts'),
  '@auditledge/koa': src('./packages/koa/src/index.ts'),
  '@auditledge/fastify': src('./packages/fastify/src/index.ts'),
  '@auditledge/local': src('./packages/local/src/index.ts'),
};

const project = (name: string, root: string) => ({
  extends: true as const,
  test: { name, root, include: ['**/*.test.ts'], exclude: ['**/node_modules/**', '**/dist/**'] },
});

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      project('core', 'packages/core'),
      project('express', 'packages/express'),
      project('koa', 'packages/koa'),
      project('fastify', 'packages/fastify'),
      project('local', 'packages/local'),
      project('e2e', 'test'),
    ],
  },
});
