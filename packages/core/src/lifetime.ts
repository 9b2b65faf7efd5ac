/**
 * How a client relates to the life of the process. Two rules (DESIGN.md section 5):
 * - an awaited `log()`, `flush()` or `shutdown()` keeps the process alive until it settles
 *   (`KeepAlive`), because the caller is waiting for an answer and Node would otherwise exit
 *   under it (with code 13 under ESM top-level await, silently under CJS);
 * - queued fire-and-forget events alone never keep an idle process alive, but when the event
 *   loop empties they get one bounded flush, and what is still undelivered at `exit` is
 *   handed to `onDrop` (`watchExit`).
 */

/** A ref'd handle held while at least one caller waits on the client. */
export class KeepAlive {
  #holds = 0;
  #handle: NodeJS.Timeout | undefined;

  hold(): void {
    if (this.#holds++ === 0) {
      // Any ref'd handle keeps the loop alive; an interval that never fires costs nothing.
      this.#handle = setInterval(noop, 2 ** 31 - 1);
    }
  }

  release(): void {
    if (this.#holds === 0) return;
    if (--this.#holds === 0) {
      clearInterval(this.#handle);
      this.#handle = undefined;
    }
  }

  /** Holds the process until `promise` settles. */
  around<T>(promise: Promise<T>): Promise<T> {
    this.hold();
    return promise.finally(() => this.release());
  }
}

/** What a client with unsettled events does when the process is about to end. */
export interface ExitHooks {
  /** The event loop is empty: start a bounded flush (it may schedule work, which keeps us alive). */
  beforeExit(): void;
  /** The process is exiting now: synchronously hand what is left to onDrop. */
  exit(): void;
}

// Only clients with unsettled events are here, so a client dropped by the app is not kept
// from the garbage collector, and one pair of process listeners serves every client.
const watched = new Set<ExitHooks>();
let installed = false;

function onBeforeExit(): void {
  for (const hooks of [...watched]) hooks.beforeExit();
}

function onExit(): void {
  for (const hooks of [...watched]) hooks.exit();
}

/** Starts or stops watching the process's end on behalf of one client. */
export function watchExit(hooks: ExitHooks, watch: boolean): void {
  if (!watch) {
    watched.delete(hooks);
    return;
  }
  watched.add(hooks);
  if (!installed) {
    installed = true;
    process.on('beforeExit', onBeforeExit);
    process.on('exit', onExit);
  }
}

function noop(): void {}
