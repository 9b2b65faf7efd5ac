import { performance as perfHooks } from 'node:perf_hooks';

/**
 * `performance.now()`, read from the global at each call when there is one (so fake timers that
 * replace it apply), else from `node:perf_hooks` (jest 26's environment has no global
 * `performance`: every request there used to fail its setup, silently).
 */
export function monotonicNow(): number {
  return (globalThis.performance ?? perfHooks).now();
}
