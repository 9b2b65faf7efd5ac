/**
 * The delivery worker's script, next to the file this code was built into: `deliveryWorker.js`
 * (ESM) or `deliveryWorker.cjs` (CJS; tsup's shim gives it `import.meta.url`) in core's `dist/`,
 * what `@auditledge/core/worker` resolves to. Run from the TypeScript sources (core's own tests):
 * the built worker in `dist/`.
 */
export function defaultWorkerEntry(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return new URL('../../dist/deliveryWorker.js', here);
  return new URL(here.endsWith('.cjs') ? './deliveryWorker.cjs' : './deliveryWorker.js', here);
}
