import { AuditLedgeValidationError } from './errors.js';
import type { FlushOptions } from './types.js';

/** The `timeout` of `flush()` or `shutdown()`, checked and capped to what `setTimeout` takes. */
export function checkTimeout(options: FlushOptions, method: string): number | undefined {
  if (options === null || typeof options !== 'object') {
    throw new AuditLedgeValidationError(`${method}() options`, 'must be an object');
  }
  const { timeout } = options;
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new AuditLedgeValidationError('timeout', `of ${method}() must be a number of ms >= 0`);
  }
  return Math.min(timeout, 2 ** 31 - 1);
}

/** Settles with `promise`, or after `ms` with nothing; the timer is ref'd, so it holds the process. */
export function raceTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
