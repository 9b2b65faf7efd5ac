import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const quick = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');

/** Starts bench/lib/sink.ts in a child process; resolves with its URL. */
export async function startSink(): Promise<{ url: string; child: ChildProcess; close(): Promise<void> }> {
  const child = fork(fileURLToPath(new URL('./sink.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs each variant once per round, alternating, and returns the per-variant samples. */
export async function alternate<K extends string>(
  rounds: number,
  variants: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  const samples = {} as Record<K, number[]>;
  const names = Object.keys(variants) as K[];
  for (const name of names) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order too, so no variant always runs on a warmer (or more tired) machine.
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name].push(await variants[name]());
  }
  return samples;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
