import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { TransportStreamResponse } from './transport.js';

type Headers = TransportStreamResponse['headers'];

/**
 * Hands one response over at its headers, with the body as a `Readable` fed straight from
 * undici's dispatcher: when the Readable's buffer is full the connection is paused (undici
 * stops reading the socket, and its body timeout does not run while paused), and reading
 * resumes it. So a consumer that stops reading stops the download, at about one buffer of
 * memory. Destroying the body aborts the request.
 */
export class StreamHandler implements Dispatcher.DispatchHandler {
  #body: Readable | undefined;
  #settled = false;
  readonly #resolve: (res: TransportStreamResponse) => void;
  readonly #reject: (err: Error) => void;

  constructor(resolve: (res: TransportStreamResponse) => void, reject: (err: Error) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onRequestStart(): void {}

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: Headers): void {
    const body = new Readable({
      read: () => controller.resume(),
      destroy: (err, callback) => {
        if (!this.#settled) {
          this.#settled = true;
          controller.abort(err ?? abandoned());
        }
        callback(err);
      },
    });
    this.#body = body;
    this.#resolve({ status, headers, body });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#body?.push(chunk) === false) controller.pause();
  }

  onResponseEnd(): void {
    this.#settled = true;
    this.#body?.push(null);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#body) this.#body.destroy(err);
    else this.#reject(err);
  }
}

function abandoned(): Error {
  return Object.assign(new Error('The response body was abandoned'), { code: 'ECANCELED' });
}

/**
 * Wraps a handler so that `signal` aborts its request, at whatever stage it is: before the
 * request got a connection (it is aborted as soon as it does) or while it runs.
 */
export function withSignal(
  handler: Dispatcher.DispatchHandler,
  signal: AbortSignal | undefined,
): Dispatcher.DispatchHandler {
  if (signal === undefined) return handler;
  let controller: Dispatcher.DispatchController | undefined;
  const onAbort = () => controller?.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const done = () => signal.removeEventListener('abort', onAbort);
  return {
    onRequestStart(c, context) {
      controller = c;
      if (signal.aborted) c.abort(signal.reason);
      else handler.onRequestStart?.(c, context);
    },
    onRequestUpgrade: handler.onRequestUpgrade?.bind(handler),
    onResponseStart: handler.onResponseStart?.bind(handler),
    onResponseData: handler.onResponseData?.bind(handler),
    onResponseEnd(c, trailers) {
      done();
      handler.onResponseEnd?.(c, trailers);
    },
    onResponseError(c, err) {
      done();
      handler.onResponseError?.(c, err);
    },
  };
}
