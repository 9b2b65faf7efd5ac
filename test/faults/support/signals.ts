import { expect } from 'vitest';
import type { ChildMessage } from '../fixtures/protocol.js';
import type { AppProcess } from './appProcess.js';

type Of<T extends ChildMessage['type']> = Extract<ChildMessage, { type: T }>;

export interface Terminated {
  signal: Of<'signal'>;
  report: Of<'shutdown'>;
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

/** Events queued by one request to the app's bulk route. */
export const N = 3_000;
export const bulkIds = Array.from({ length: N }, (_, i) => `bulk_${i}`);
/** Room for all of them, and retries that never run out during a shutdown. */
export const bulkClient = { maxQueueSize: 5_000, maxQueueBytes: 8 * 1024 * 1024, maxRetries: 1_000 };

/** Queues N events in one request, then sends SIGTERM at once; a process that hangs fails. */
export async function queueThenTerm(target: AppProcess, exitWithinMs: number): Promise<Terminated> {
  const [res] = await target.traffic('POST', [`/bulk/${N}`], 1);
  expect(res?.status).toBe(200);
  target.child.kill('SIGTERM');
  const signal = await target.message('signal');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the process did not exit within ${exitWithinMs} ms of SIGTERM`)),
      exitWithinMs,
    );
  });
  try {
    const report = await Promise.race([target.message('shutdown'), hung]);
    const exit = await Promise.race([target.exited, hung]);
    return { signal, report, exit };
  } finally {
    clearTimeout(timer);
  }
}
