// The parent's handle on an app child (bench/lib/app.ts).
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AppConfig, Pipeline } from './apps.js';
import { forkTs, nextMessage, stopChild } from './children.js';

export interface Sample extends Pipeline {
  /** ms since the app started sampling */
  t: number;
  /** performance.now() in this process when the sample arrived */
  at: number;
  rss: number;
  heapUsed: number;
  /** Heap used right after a forced full GC (only with `gcSamples`). */
  heapAfterGc?: number;
  /** RSS right after that GC (only with `gcSamples`). */
  rssAfterGc?: number;
}

export interface AppStats {
  pipeline: Pipeline;
  memory: NodeJS.MemoryUsage;
  /** The app process's CPU time so far (µs). */
  cpu: NodeJS.CpuUsage;
  /** Its main thread's CPU time so far (µs, 10 ms ticks; Linux only). */
  mainCpu?: number;
  /** Its OS threads now (main, V8's platform threads, libuv's pool once used, workers; Linux only). */
  threads?: number;
}

export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** Samples pushed by the child every `sampleMs` (empty without it). */
  samples: Sample[];
  stats(): Promise<AppStats>;
  /** Waits (at most `ms`) for the client to deliver what it holds. */
  flush(ms: number): Promise<Pipeline>;
  close(): Promise<void>;
}

/** The adapter for this framework is not exported yet: the variant cannot run. */
export class UnavailableError extends Error {}

const entry = fileURLToPath(new URL('./app.ts', import.meta.url));

export async function startApp(
  config: AppConfig,
  options: {
    sampleMs?: number;
    /** Force a full GC before each sample's second reading (`heapAfterGc`); adds `--expose-gc`. */
    gcSamples?: boolean;
    execArgv?: string[];
  } = {},
): Promise<AppProcess> {
  const child = forkTs(entry, {
    env: {
      BENCH_APP: JSON.stringify(config),
      BENCH_SAMPLE_MS: String(options.sampleMs ?? 0),
      BENCH_SAMPLE_GC: options.gcSamples ? '1' : '0',
    },
    execArgv: [...(options.gcSamples ? ['--expose-gc'] : []), ...(options.execArgv ?? [])],
  });
  const samples: Sample[] = [];
  child.on('message', (msg: { type: string } & Sample) => {
    if (msg.type === 'sample') samples.push({ ...msg, at: performance.now() });
  });
  const first = await nextMessage<{ type: 'ready'; port: number } | { type: 'unavailable'; reason: string }>(
    child,
    ['ready', 'unavailable'],
  );
  if (first.type === 'unavailable') {
    await stopChild(child);
    throw new UnavailableError(first.reason);
  }
  return {
    url: `http://127.0.0.1:${first.port}`,
    child,
    samples,
    async stats() {
      const reply = nextMessage<AppStats>(child, 'stats');
      child.send({ type: 'stats' });
      return reply;
    },
    async flush(ms) {
      const reply = nextMessage<{ pipeline: Pipeline }>(child, 'flushed', ms + 10_000);
      child.send({ type: 'flush', ms });
      return (await reply).pipeline;
    },
    close: () => stopChild(child),
  };
}
