import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    adapter: 'src/adapter/index.ts',
    testing: 'src/testing.ts',
    // `delivery: 'worker'`: the worker thread's script, a file of its own (`@auditledge/core/worker`).
    deliveryWorker: 'src/worker/deliveryWorker.ts',
  },
  format: ['esm', 'cjs'],
  // Shared chunks for CJS too: without them `adapter.cjs` carries its own copy of the client
  // and error classes, and `err instanceof AuditLedgeError` fails across the two entry points.
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The CJS build goes through sucrase (tsup's splitting), which names classes `_class`: keep the real names.
  keepNames: true,
  // import.meta.url in the CJS build (src/worker/entry.ts finds the worker script next to the file).
  shims: true,
  // The User-Agent's version, from the manifest at build time (never a literal to keep in step).
  define: { __AUDITLEDGE_VERSION__: JSON.stringify(version) },
});
