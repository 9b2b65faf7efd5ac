import { existsSync } from 'node:fs';

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

let warned = false;

/**
 * The script to start, or `undefined` to deliver in-thread. `workerEntry` was checked with the
 * options. The default may be missing when the app is bundled without core's files: the client
 * then delivers in-thread, and says so once per process (no event is at risk).
 */
export function resolveWorkerEntry(workerEntry: string | URL | undefined): string | URL | undefined {
  if (workerEntry !== undefined) return workerEntry;
  const entry = defaultWorkerEntry();
  if (existsSync(entry)) return entry;
  if (!warned) {
    warned = true;
    process.emitWarning(
      `The delivery worker's script is not next to @auditledge/core's code (${entry.pathname}), as in a bundled app: ` +
        "events are delivered from the app's thread. Bundle @auditledge/core/worker and name it with the " +
        "workerEntry option, or pass delivery: 'thread' to say so (README: Delivery from a worker thread)",
      { type: 'AuditledgeWarning', code: 'AUDITLEDGE_NO_DELIVERY_WORKER' },
    );
  }
  return undefined;
}
