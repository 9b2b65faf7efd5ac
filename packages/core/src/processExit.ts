import { writeSync } from 'node:fs';
import type { Pipeline } from './deliveryQueue.js';
import { AuditLedgeError } from './errors.js';
import type { ExitHooks } from './lifetime.js';
import type { ErrorContext, ResolvedOptions } from './options.js';
import type { ShutdownReport } from './types.js';

/** What the exit handling needs of its client. */
export interface ExitClient {
  readonly options: ResolvedOptions;
  /** A spool keeps what the process ends without: the next client on its directory delivers it. */
  readonly spooled: boolean;
  queue(): Pipeline;
  /** Whether `shutdown()` was called. */
  closed(): boolean;
  flush(timeout: number): Promise<void>;
  shutdown(timeout: number): Promise<ShutdownReport>;
  report(error: AuditLedgeError, context: ErrorContext): void;
}

/** A client's answer to the process ending with events still queued (see lifetime.ts). */
export class ProcessExit implements ExitHooks {
  readonly #client: ExitClient;
  /** When the flush started by `beforeExit` gives up (its budget spans every beforeExit). */
  #deadline: number | undefined;
  #flushing = false;

  constructor(client: ExitClient) {
    this.#client = client;
  }

  /**
   * The event loop is empty but events are queued (a script that ends without shutdown(),
   * a test file): flush them, bounded by `exitFlushTimeout` in all. The flush keeps the
   * process alive; past the budget the client shuts down, which hands the rest to onDrop.
   */
  beforeExit(): void {
    const client = this.#client;
    if (client.closed() || this.#flushing) return;
    const now = Date.now();
    this.#deadline ??= now + client.options.exitFlushTimeout;
    const left = this.#deadline - now;
    if (left <= 0 || client.queue().paused) {
      this.#giveUp();
      return;
    }
    this.#flushing = true;
    void client.flush(left).then(() => {
      this.#flushing = false;
      if (client.queue().unsettled > 0) this.#giveUp();
    });
  }

  /**
   * `exit` allows no more I/O on this thread: what is still undelivered goes to onDrop now,
   * synchronously. A delivery worker can still deliver meanwhile: this thread blocks for it, for
   * what is left of `exitFlushTimeout` (all of it after a `process.exit()`, which skips `beforeExit`).
   */
  exit(): void {
    const queue = this.#client.queue();
    if (queue.state === 'closed') return;
    const budget = this.#client.options.exitFlushTimeout;
    const flushFor = queue.paused ? 0 : Math.max(0, (this.#deadline ?? Date.now() + budget) - Date.now());
    this.#lost(queue.stop(flushFor).length);
  }

  #giveUp(): void {
    void this.#client.shutdown(0).then((report) => this.#lost(report.pending));
  }

  /**
   * Events the process ends without: onDrop has them; without onDrop the loss is still heard,
   * once, through onError/logger or else one warning line on stderr, written synchronously
   * (at `exit` nothing asynchronous runs, so `process.emitWarning` would never print). With a
   * spool nothing is lost: the next client on its directory delivers them.
   */
  #lost(count: number): void {
    const { onDrop, onError, logger } = this.#client.options;
    if (count === 0 || onDrop !== undefined || this.#client.spooled) return;
    const message =
      `${count} audit event${count === 1 ? ' was' : 's were'} still undelivered when the process ended: ` +
      'await client.shutdown() before it ends (or pass onDrop to keep them)';
    if (onError !== undefined || logger?.warn !== undefined) {
      this.#client.report(new AuditLedgeError('AL_ERR_DROPPED', message, { reason: 'shutdown' }), {
        operation: 'deliver',
        reason: 'shutdown',
      });
      return;
    }
    if (process.env.NODE_NO_WARNINGS === '1' || process.execArgv.includes('--no-warnings')) return;
    try {
      writeSync(2, `(node:${process.pid}) [AUDITLEDGE_UNDELIVERED_AT_EXIT] AuditledgeWarning: ${message}\n`);
    } catch {
      // stderr is closed: there is no one left to tell.
    }
  }
}
