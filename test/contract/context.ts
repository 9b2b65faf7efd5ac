// Per-describe plumbing for the contract cases: one recording, apps closed when done.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { AppOptions, ContractAdapter, RunningApp } from './adapter.js';
import { type Recording, startRecording } from './recording.js';

export interface Context {
  /** This describe's recording (its errors are cleared before each test). */
  readonly rec: Recording;
  /** An app for one test, closed after it. */
  start(app: AppOptions): Promise<RunningApp>;
  /** The app `shared` built in beforeAll, closed after the describe. */
  readonly app: RunningApp;
}

export function context(adapter: ContractAdapter, shared?: (rec: Recording) => AppOptions): Context {
  let rec: Recording | undefined;
  let app: RunningApp | undefined;
  const apps: RunningApp[] = [];
  beforeAll(async () => {
    rec = startRecording();
    if (shared !== undefined) app = await adapter.start(shared(rec));
  });
  beforeEach(() => {
    rec?.errors.splice(0);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });
  afterAll(async () => {
    await app?.close();
    await rec?.shutdown();
  });
  return {
    get rec() {
      return rec!;
    },
    get app() {
      return app!;
    },
    async start(options) {
      const started = await adapter.start(options);
      apps.push(started);
      return started;
    },
  };
}
