// Live updates by polling, the cheapest thing that works through the public API: one
// one-row query (`limit=1` with the current filters) per period, and only while the tab is
// visible. A hidden or closed tab costs the server nothing; an error backs off.

const PERIOD_MS = 3_000;
const BACKOFF_MS = 30_000;

/**
 * @typedef {{ total: number, topId: string | null }} Mark
 */

/**
 * Calls `check` every period while the page is visible and `running`.
 * @param {() => Promise<void>} check resolves when done; rejects to back off
 */
export function createPoller(check) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let running = false;
  let busy = false;

  const schedule = (/** @type {number} */ delay) => {
    clearTimeout(timer);
    timer = undefined;
    if (running && document.visibilityState === 'visible') timer = setTimeout(tick, delay);
  };
  const tick = async () => {
    if (busy) return;
    busy = true;
    let delay = PERIOD_MS;
    try {
      await check();
    } catch {
      delay = BACKOFF_MS;
    } finally {
      busy = false;
    }
    schedule(delay);
  };
  document.addEventListener('visibilitychange', () => {
    // Back in view: catch up at once rather than a period later.
    if (document.visibilityState === 'visible' && running) void tick();
    else schedule(PERIOD_MS);
  });

  return {
    start() {
      running = true;
      schedule(PERIOD_MS);
    },
    stop() {
      running = false;
      schedule(0);
    },
  };
}
