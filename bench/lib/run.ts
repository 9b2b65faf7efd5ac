import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkTs, nextMessage, stopChild } from './children.js';

export { fmt, median } from './stats.js';

export const quick = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');

export interface Sink {
  url: string;
  port: number;
  child: ChildProcess;
  /** Events received so far. */
  received(): Promise<number>;
  /** Goes down the way a crash looks (connections cut, new ones refused); resolves with its final count. */
  crash(): Promise<number>;
  close(): Promise<void>;
}

/** Starts bench/lib/sink.ts in a child process (on `port`, or a free one); resolves with its URL. */
export async function startSink(port = 0): Promise<Sink> {
  const child = forkTs(fileURLToPath(new URL('./sink.ts', import.meta.url)), {
    env: { PORT: String(port) },
  });
  const ready = await nextMessage<{ port: number }>(child, 'ready');
  return {
    url: `http://127.0.0.1:${ready.port}`,
    port: ready.port,
    child,
    async received() {
      const reply = nextMessage<{ received: number }>(child, 'count');
      child.send('count');
      return (await reply).received;
    },
    async crash() {
      const reply = nextMessage<{ received: number }>(child, 'crashed');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'crash' });
      const { received } = await reply;
      await exited;
      return received;
    },
    close: () => stopChild(child),
  };
}

/** Runs each variant once per round, alternating, and returns the per-variant samples. */
export async function alternate<K extends string, T = number>(
  rounds: number,
  variants: Record<K, () => Promise<T>>,
): Promise<Record<K, T[]>> {
  const samples = {} as Record<K, T[]>;
  const names = Object.keys(variants) as K[];
  for (const name of names) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order too, so no variant always runs on a warmer (or more tired) machine.
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name].push(await variants[name]());
  }
  return samples;
}

/** A report line saying plainly whether a goal was met. Missed goals never fail the run. */
export function goal(label: string, met: boolean, detail: string): string {
  return `- ${met ? 'goal met' : '**goal missed**'}: ${label} (${detail})`;
}

/** True when `moduleUrl` is the script node was started with (not imported by bench/all.ts). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === resolve(process.argv[1]);
}
