import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditLedgeError } from './errors.js';
import type { Outcome } from './outcome.js';
import { MAX_ERROR_BODY_BYTES, type TransportResponse, type TransportStreamResponse } from './transport.js';

/** How `exportStream()` opens its response and judges a failed attempt; the client supplies it. */
export interface StreamSource {
  /** Starts the request; `signal` aborts it. */
  open(signal: AbortSignal): Promise<TransportStreamResponse>;
  /** Maps a non-2xx answer (its body capped) to an outcome: only `retry` is tried again. */
  classify(res: TransportResponse): Outcome;
  /** Wraps a transport failure (reset, refused, timeout) in our error family. */
  networkError(err: unknown): AuditLedgeError;
  /** Attempts after the first, for transient failures before the first byte of the body. */
  retries: number;
  /** ms to wait before attempt `attempt` (1-based), given the answer's `Retry-After`. */
  delay(attempt: number, retryAfter: number | undefined): number;
  /** The caller's signal: aborting it destroys the stream with its reason. */
  signal: AbortSignal | undefined;
}

/**
 * A Readable of the response body, with backpressure end to end: it requests nothing until
 * it is first read, pauses the download whenever its own buffer is full (the transport then
 * stops reading the socket, and the server stops its cursor), and resumes when read again.
 * Transient failures before the body starts are retried; a failure after it started destroys
 * the stream with the error, since the bytes already handed on cannot be taken back.
 * Destroying the stream aborts the request.
 */
export function streamResponse(source: StreamSource): Readable {
  const controller = new AbortController();
  let body: Readable | undefined;
  let started = false;
  const onAbort = () => out.destroy(source.signal?.reason);
  const out: Readable = new Readable({
    read() {
      if (body) {
        body.resume();
        return;
      }
      if (started) return;
      started = true;
      connect(source, controller.signal).then(
        (stream) => {
          body = stream;
          if (out.destroyed) {
            stream.destroy();
            return;
          }
          stream.on('data', (chunk: Buffer) => {
            if (!out.push(chunk)) stream.pause();
          });
          stream.once('end', () => out.push(null));
          stream.once('error', (err) =>
            out.destroy(controller.signal.aborted ? err : source.networkError(err)),
          );
        },
        (err: unknown) => out.destroy(err as Error),
      );
    },
    destroy(err, callback) {
      source.signal?.removeEventListener('abort', onAbort);
      controller.abort(err ?? abandoned());
      body?.destroy();
      callback(err);
    },
  });
  if (source.signal?.aborted) out.destroy(source.signal.reason);
  else source.signal?.addEventListener('abort', onAbort, { once: true });
  return out;
}

async function connect(source: StreamSource, signal: AbortSignal): Promise<Readable> {
  for (let attempt = 0; ; attempt++) {
    let outcome: Outcome;
    try {
      const res = await source.open(signal);
      if (res.status >= 200 && res.status < 300) return res.body;
      const text = await readCapped(res.body);
      outcome = source.classify({ status: res.status, headers: res.headers, body: text });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      outcome = { type: 'retry', error: source.networkError(err), retryAfter: undefined };
    }
    // A 2xx returned above, so every outcome here carries an error.
    if (outcome.type === 'delivered') throw source.networkError(new Error('unexpected answer'));
    if (outcome.type !== 'retry' || attempt >= source.retries) throw outcome.error;
    await sleep(source.delay(attempt + 1, outcome.retryAfter), undefined, { signal });
  }
}

/** The start of an error body, then the rest is abandoned (a 5xx whose body never ends cannot grow memory). */
async function readCapped(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (bytes >= MAX_ERROR_BODY_BYTES) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
}

function abandoned(): Error {
  return Object.assign(new Error('The export stream was destroyed before its end'), { code: 'ECANCELED' });
}
