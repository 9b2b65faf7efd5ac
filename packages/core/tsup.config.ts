import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', adapter: 'src/adapter/index.ts', testing: 'src/testing.ts' },
  format: ['esm', 'cjs'],
  // Shared chunks for CJS too: without them `adapter.cjs` carries its own copy of the client
  // and error classes, and `err instanceof AuditLedgeError` fails across the two entry points.
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
