import type { ServerResponse } from 'node:http';

/**
 * Calls `listener(res)` once the response is over: sent in full or abandoned. `close` fires
 * once, after `finish`, for both; one shared listener function and no closure per request,
 * which is what `on-finished` (a listener on the socket and the response each) cost us.
 * A response already closed is reported on the next tick.
 */
export function onResponseClose<Res extends ServerResponse>(res: Res, listener: (this: Res) => void): void {
  if (res.closed) process.nextTick(() => listener.call(res));
  else res.on('close', listener); // `close` fires once: no need for once()'s wrapper
}
