/**
 * The delivery worker (`delivery: 'worker'`): a thread of its own that owns the delivery queues,
 * HTTP pools, retries and backoff (core's `DeliveryQueue` and undici transport, the very code
 * in-thread delivery runs), fed by the app's thread (workerDelivery.ts). One thread serves every
 * client of the process, each client a session with its own queue, pool and MessagePort. A
 * session tells the app's thread what happened to each event (by seq) and how its queue stands,
 * batched per turn; the app's thread keeps the counters `stats()` shows and calls the app's
 * callbacks, which cannot cross threads.
 *
 * Bundlers: this file must stay a file of its own (`@auditledge/core/worker`); see the
 * `workerEntry` option.
 */
import { parentPort } from 'node:worker_threads';
import { type Deferred, DeliveryQueue } from '../deliveryQueue.js';
import { eventSender } from '../eventSender.js';
import { RequestHeaders } from '../headers.js';
import { displayBase } from '../httpError.js';
import { createHttpTransport } from '../httpTransport.js';
import { withSecret } from '../scrub.js';
import { raceTimeout } from '../timeouts.js';
import {
  type FromWorker,
  type Op,
  type OpenSession,
  type ToWorker,
  toErrorData,
  type WorkerInit,
} from './protocol.js';

parentPort?.on('message', (message: OpenSession) => {
  if (message.t === 'open') startSession(message.session);
});

function startSession({ port, signal, apiKey, options: o }: WorkerInit): void {
  const headers = new RequestHeaders(apiKey, o.userAgent);
  /** Every key used, longest first, kept out of error messages. */
  let secrets: string[] = [apiKey];
  const transport = createHttpTransport({
    baseUrl: o.baseUrl,
    connections: o.concurrency,
    connectTimeout: o.timeout,
  });
  const send = eventSender(
    transport,
    headers,
    o.timeout,
    { method: 'POST', url: `${displayBase(o.baseUrl)}/v1/events` },
    () => secrets,
  );

  let ops: Op[] = [];
  let scheduled = false;

  /** Sends what happened this turn, with the queue's state after it. */
  const post = (): void => {
    scheduled = false;
    const stats = queue.stats();
    const message: FromWorker = {
      ops,
      snapshot: {
        inFlight: stats.inFlight,
        inFlightBytes: queue.inFlightBytes,
        retries: stats.retries,
        state: stats.state,
      },
    };
    ops = [];
    port.postMessage(message);
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(post);
  };
  const op = (value: Op): void => {
    ops.push(value);
    schedule();
  };

  const queue = new DeliveryQueue(o, {
    // Every drop is reported back: the app's thread decides who hears of it.
    observed: true,
    deliver(event) {
      schedule(); // in flight now: the app's thread sees it in stats()
      return send(event).finally(schedule);
    },
    report(error, context) {
      op([3, toErrorData(error), context]);
    },
    dropped(event, reason) {
      op([2, event.seq, reason, event.attempts]);
    },
    delivered(event, body) {
      op(event.deferred === undefined ? event.seq : [0, event.seq, body]);
    },
    busy() {},
  });

  /** Marks an event a `log()` awaits: the queue sends it at once; its rejection is sent back. */
  const awaited = (seq: number): Deferred => ({
    resolve() {}, // the `delivered` hook sends the answer
    reject(error) {
      op([1, seq, toErrorData(error)]);
    },
  });

  let stopped = false;
  const stop = async (flushFor: number): Promise<void> => {
    stopped = true;
    if (flushFor > 0 && !queue.paused) await raceTimeout(queue.flush(), flushFor);
    const left = queue.stop(); // each leftover is a `dropped` op already
    ops.push([5]);
    post();
    // The app's thread may be blocked in Atomics.wait (process `exit`): wake it.
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
    port.close();
    await (left.length > 0 ? transport.destroy?.() : transport.close?.())?.catch(() => {});
  };

  // The app's thread closed the channel without a `stop`: its client was collected, holding no
  // event. Close the session's queue and pool.
  port.on('close', () => {
    if (stopped) return;
    stopped = true;
    queue.stop();
    void transport.close?.()?.catch(() => {});
  });

  port.on('message', (message: ToWorker) => {
    switch (message.t) {
      case 'events': {
        const e = message.e;
        const now = Date.now();
        for (let i = 0; i < e.length; i += 5) {
          const seq = e[i] as number;
          queue.add(
            e[i + 1] as string,
            e[i + 2] as string,
            e[i + 3] as number,
            e[i + 4] === 1 ? awaited(seq) : undefined,
            now,
            seq,
          );
        }
        break;
      }
      case 'flush': {
        const id = message.id;
        queue.flush().then(() => op([4, id]));
        break;
      }
      case 'key':
        headers.setApiKey(message.key);
        secrets = withSecret(secrets, message.key);
        queue.setApiKey(message.key);
        break;
      case 'stop':
        void stop(message.flushFor);
        break;
    }
  });
}
