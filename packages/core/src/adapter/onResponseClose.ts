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

/**
 * For a response whose client hung up before the handler answered: calls `listener(res)` once
 * the handler does answer, i.e. ends the response into the closed socket (Express, Koa and
 * Fastify all still call `res.end()` then). The handler ran to completion, so its mutation
 * happened: the trail must show it. Only aborted requests pay for the wrapper; a handler that
 * never answers is never reported (its outcome is unknowable).
 */
export function onceAnswered<Res extends ServerResponse>(res: Res, listener: (this: Res) => void): void {
  if (res.writableEnded) {
    listener.call(res);
    return;
  }
  const target = res as unknown as { end: (...args: unknown[]) => unknown };
  const own = Object.hasOwn(res, 'end');
  const end = target.end;
  target.end = function endAfterAbort(this: unknown, ...args: unknown[]) {
    if (own) target.end = end;
    else delete (target as { end?: unknown }).end;
    const result = end.apply(this, args);
    try {
      listener.call(res);
    } catch {
      // The listener reports its own failures; nothing may reach the handler's end() call.
    }
    return result;
  };
}
