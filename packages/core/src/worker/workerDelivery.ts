/**
 * `delivery: 'worker'`, the app thread's end. The event is validated, serialized and given its
 * id on the app's thread as in-thread (so a bad event still throws at the call); then it is
 * handed to the delivery worker (deliveryWorker.ts), which queues, sends, retries and backs off.
 * What stays here is what must: the caps (checked at once, as in-thread, so a full queue drops
 * with `queue_full` at the call), the counters `stats()` shows, the `log()` promises, and the
 * app's callbacks, run as the worker reports. Each accepted event is also kept here until the
 * worker reports it settled: it is the same string the app's thread serialized (no copy), held
 * within the same caps as in-thread, and it is what lets a worker that dies hand nothing to
 * the void: its events go to an in-thread queue (counted in `stats().worker.fellBack`).
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { type Deferred, noDrops, type Pipeline, withTotal } from '../deliveryQueue.js';
import { AuditLedgeError } from '../errors.js';
import type { ErrorContext } from '../options.js';
import type { DeliveryStats, DropReason, PipelineState, UndeliveredEvent } from '../types.js';
import {
  type FromWorker,
  fromErrorData,
  type OpenSession,
  type Snapshot,
  type ToWorker,
  type WorkerInit,
  type WorkerQueueOptions,
} from './protocol.js';

/** What onDrop is told of a dropped event. */
export interface DroppedEvent {
  readonly id: string;
  readonly body: string;
  readonly attempts: number;
}

/** One accepted event, until the worker says it is settled. */
interface Held {
  readonly id: string;
  readonly body: string;
  readonly bytes: number;
  readonly deferred: Deferred | undefined;
}

export interface WorkerDeliveryHooks {
  /** False when nobody listens for drops (no onError, onDrop or logger): drop errors are then not built. */
  readonly observed: boolean;
  /** onError/logger; never throws. */
  report(error: AuditLedgeError, context: ErrorContext): void;
  /** onDrop (it rebuilds the event from its body only if there is an onDrop). */
  dropped(event: DroppedEvent, reason: DropReason): void;
  /** Holding unsettled events (true), or no more (false): the process-exit watch. */
  busy(busy: boolean): void;
  /** The in-thread queue that takes over if the worker dies (made only then). */
  inThread(): Pipeline;
}

export interface WorkerDeliveryOptions extends WorkerQueueOptions {
  /** The worker's script. */
  entry: string | URL;
}

/** A `stop` waits this long past its flush for the worker's answer, then gives up on it. */
const STOP_GRACE = 2_000;

type WorkerState = NonNullable<DeliveryStats['worker']>['state'];

export class WorkerDelivery implements Pipeline {
  readonly #hooks: WorkerDeliveryHooks;
  readonly #maxQueueSize: number;
  readonly #maxQueueBytes: number;
  readonly #thread: DeliveryThread;
  readonly #self: WeakRef<WorkerDelivery>;
  readonly #port: MessagePort;
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  /** Accepted events not yet settled, by seq (in seq order: a Map keeps insertion order). */
  readonly #held = new Map<number, Held>();
  #heldBytes = 0;
  #seq = 0;
  /** Events of this turn, flattened as the worker reads them (protocol.ts `events`). */
  #batch: Array<number | string> = [];
  #batchScheduled = false;
  #accepted = 0;
  #delivered = 0;
  readonly #dropped = noDrops();
  #snapshot: Snapshot = { inFlight: 0, inFlightBytes: 0, retries: 0, state: 'running' };
  #flushId = 0;
  readonly #flushes = new Map<number, () => void>();
  #lastFlush: { target: number; promise: Promise<void> } | undefined;
  #workerState: WorkerState = 'running';
  #stopped = false;
  /** While stop() collects the leftovers. */
  #undelivered: UndeliveredEvent[] | undefined;
  /** After the worker died: the in-thread queue that took over, and how many events it was handed. */
  #fallback: Pipeline | undefined;
  #fellBack = 0;

  constructor(options: WorkerDeliveryOptions, apiKey: string, hooks: WorkerDeliveryHooks) {
    this.#hooks = hooks;
    this.#maxQueueSize = options.maxQueueSize;
    this.#maxQueueBytes = options.maxQueueBytes;
    const { entry, ...queueOptions } = options;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    // Held weakly by the channel and the thread: a client the app drops while it holds no event
    // (while it does, the process-exit watch holds it) is collected, and `abandoned` below
    // closes its session on the worker. A client per request must not pile up sessions.
    const self = new WeakRef(this);
    this.#self = self;
    port1.on('message', (message: FromWorker) => {
      const delivery = self.deref();
      if (delivery !== undefined) delivery.#receive(message);
    });
    // Neither the thread nor the channel keeps the process alive: queued fire-and-forget events
    // never do (DESIGN.md section 5); an awaited log(), flush() or shutdown() holds the process
    // through the client's KeepAlive, and the process's end flushes through stop() below.
    port1.unref();
    this.#thread = joinThread(entry, self, {
      port: port2,
      signal: this.#signal,
      apiKey,
      options: queueOptions,
    });
    abandoned.register(this, { thread: this.#thread, self, port: port1 }, self);
  }

  get state(): PipelineState {
    if (this.#fallback !== undefined) return this.#fallback.state;
    return this.#stopped ? 'closed' : this.#snapshot.state;
  }

  get unsettled(): number {
    return this.#fallback?.unsettled ?? this.#held.size;
  }

  get paused(): boolean {
    if (this.#fallback !== undefined) return this.#fallback.paused;
    const state = this.#snapshot.state;
    return state === 'unauthorized' || state === 'quota_exceeded';
  }

  add(id: string, body: string, bytes: number, deferred: Deferred | undefined): void {
    this.#accepted++;
    if (this.#fallback !== undefined) {
      this.#fallback.add(id, body, bytes, deferred);
      return;
    }
    if (this.#held.size >= this.#maxQueueSize || this.#heldBytes + bytes > this.#maxQueueBytes) {
      this.#dropped.queue_full++;
      // When the queue overflows, events are dropped by the thousand: build no error nobody reads.
      if (deferred === undefined && !this.#hooks.observed) return;
      const error = new AuditLedgeError('AL_ERR_DROPPED', 'Event dropped: the delivery queue is full', {
        reason: 'queue_full',
      });
      deferred?.reject(error);
      this.#hooks.report(error, { operation: 'deliver', eventId: id, reason: 'queue_full' });
      this.#hooks.dropped({ id, body, attempts: 0 }, 'queue_full');
      return;
    }
    const seq = ++this.#seq;
    this.#held.set(seq, { id, body, bytes, deferred });
    this.#heldBytes += bytes;
    if (this.#held.size === 1) this.#hooks.busy(true);
    this.#batch.push(seq, id, body, bytes, deferred === undefined ? 0 : 1);
    if (!this.#batchScheduled) {
      this.#batchScheduled = true;
      setImmediate(() => this.#send());
    }
  }

  flush(): Promise<void> {
    if (this.#fallback !== undefined) return this.#fallback.flush();
    if (this.#held.size === 0 || this.#stopped) return Promise.resolve();
    // Nothing accepted since the last flush still pending: it covers this call too (as in-thread).
    if (this.#lastFlush?.target === this.#seq) return this.#lastFlush.promise;
    this.#send();
    const id = ++this.#flushId;
    const promise = new Promise<void>((resolve) => {
      this.#flushes.set(id, resolve);
      this.#post({ t: 'flush', id });
    });
    const last = { target: this.#seq, promise };
    this.#lastFlush = last;
    promise.then(() => {
      if (this.#lastFlush === last) this.#lastFlush = undefined;
    });
    return promise;
  }

  setApiKey(apiKey: string): void {
    if (this.#fallback !== undefined) this.#fallback.setApiKey(apiKey);
    else this.#post({ t: 'key', key: apiKey });
  }

  stop(flushFor = 0): UndeliveredEvent[] {
    if (this.#fallback !== undefined) return this.#fallback.stop(flushFor);
    if (this.#stopped) return [];
    this.#stopped = true;
    const undelivered: UndeliveredEvent[] = [];
    this.#undelivered = undelivered;
    if (this.#workerState === 'running') {
      this.#send();
      this.#post({ t: 'stop', flushFor });
      this.#awaitStopped(flushFor + STOP_GRACE);
    }
    // A worker that did not answer in time (or is gone): what it held is dropped here.
    for (const [seq] of this.#held) this.#drop(seq, 'shutdown', 0);
    this.#undelivered = undefined;
    this.#workerState = 'stopped';
    this.#port.close();
    abandoned.unregister(this.#self);
    leaveThread(this.#thread, this.#self);
    return undelivered;
  }

  stats(): Omit<DeliveryStats, 'unrecorded'> {
    const d = this.#dropped;
    const s = this.#snapshot;
    const fb = this.#fallback?.stats();
    const dropped = noDrops();
    for (const reason of Object.keys(dropped) as DropReason[]) {
      dropped[reason] = d[reason] + (fb?.dropped[reason] ?? 0);
    }
    return {
      accepted: this.#accepted,
      delivered: this.#delivered + (fb?.delivered ?? 0),
      dropped: withTotal(dropped),
      // What the worker holds is in #held too, and the worker's in-flight count comes with the
      // settlements it has reported: the two agree at every moment.
      queued: fb?.queued ?? this.#held.size - s.inFlight,
      queuedBytes: fb?.queuedBytes ?? this.#heldBytes - s.inFlightBytes,
      inFlight: fb?.inFlight ?? s.inFlight,
      retries: s.retries + (fb?.retries ?? 0),
      state: this.state,
      worker: { state: this.#workerState, fellBack: this.#fellBack },
    };
  }

  /** Hands this turn's events to the worker. */
  #send(): void {
    this.#batchScheduled = false;
    if (this.#batch.length === 0 || this.#workerState !== 'running') return;
    this.#post({ t: 'events', e: this.#batch });
    this.#batch = [];
  }

  #post(message: ToWorker): void {
    if (this.#workerState === 'running') this.#port.postMessage(message);
  }

  #receive(message: FromWorker): void {
    if (this.#fallback !== undefined) return; // a dead worker's last words: its events were handed over
    for (const op of message.ops) {
      if (typeof op === 'number') {
        this.#settle(op);
        this.#delivered++;
        continue;
      }
      switch (op[0]) {
        case 0: {
          const held = this.#settle(op[1]);
          this.#delivered++;
          held?.deferred?.resolve(op[2]);
          break;
        }
        case 1:
          this.#held.get(op[1])?.deferred?.reject(fromErrorData(op[2]));
          break;
        case 2:
          this.#drop(op[1], op[2], op[3]);
          break;
        case 3:
          this.#hooks.report(fromErrorData(op[1]), op[2]);
          break;
        case 4:
          this.#flushes.get(op[1])?.();
          this.#flushes.delete(op[1]);
          break;
        case 5:
          this.#workerState = 'stopped';
          break;
      }
    }
    this.#snapshot = message.snapshot;
  }

  #settle(seq: number): Held | undefined {
    const held = this.#held.get(seq);
    if (held === undefined) return undefined;
    this.#held.delete(seq);
    this.#heldBytes -= held.bytes;
    if (this.#held.size === 0) {
      this.#hooks.busy(false);
      // Events settled here before the worker confirmed a flush (a dead worker's, at stop):
      // nothing is left for any flush to wait on.
      if (this.#stopped) this.#releaseFlushes();
    }
    return held;
  }

  #drop(seq: number, reason: DropReason, attempts: number): void {
    const held = this.#settle(seq);
    if (held === undefined) return;
    this.#dropped[reason]++;
    if (reason === 'shutdown') {
      this.#undelivered?.push({ id: held.id, event: JSON.parse(held.body), attempts });
      // The worker sent no rejection for a shutdown leftover it never saw: reject here.
      held.deferred?.reject(
        new AuditLedgeError('AL_ERR_DROPPED', 'Event not delivered before shutdown', { reason: 'shutdown' }),
      );
    }
    this.#hooks.dropped({ id: held.id, body: held.body, attempts }, reason);
  }

  /** Blocks this thread until the worker answers `stop` (it runs on its own), at most `ms`. */
  #awaitStopped(ms: number): void {
    const deadline = Date.now() + ms;
    for (;;) {
      for (let m = receiveMessageOnPort(this.#port); m !== undefined; m = receiveMessageOnPort(this.#port)) {
        this.#receive(m.message as FromWorker);
      }
      if (this.#workerState !== 'running') return;
      const left = deadline - Date.now();
      if (left <= 0) return;
      Atomics.wait(this.#signal, 0, 0, left);
    }
  }

  #releaseFlushes(): void {
    for (const resolve of this.#flushes.values()) resolve();
    this.#flushes.clear();
  }

  /** The worker crashed or was terminated: an in-thread queue takes over what it held, counted. */
  died(err: unknown): void {
    if (this.#workerState !== 'running') return;
    this.#workerState = 'failed';
    this.#batch = [];
    this.#hooks.report(
      new AuditLedgeError(
        'AL_ERR_WORKER',
        `The delivery worker failed (${(err as Error)?.message ?? err}); ` +
          `${this.#held.size} undelivered event(s) and every later one are delivered from the app's thread`,
        { cause: err },
      ),
      { operation: 'deliver' },
    );
    if (this.#stopped) return;
    const fallback = this.#hooks.inThread();
    this.#fallback = fallback;
    this.#fellBack = this.#held.size;
    const held = [...this.#held.values()];
    this.#held.clear();
    this.#heldBytes = 0;
    this.#snapshot = { inFlight: 0, inFlightBytes: 0, retries: this.#snapshot.retries, state: 'running' };
    // The worker may have delivered some of them unreported: their Idempotency-Keys make the
    // second delivery a no-op on the API's side.
    for (const event of held) fallback.add(event.id, event.body, event.bytes, event.deferred);
    if (this.#flushes.size > 0) fallback.flush().then(() => this.#releaseFlushes());
  }
}

/** The one delivery thread of a worker script, and the clients it serves. */
interface DeliveryThread {
  readonly key: string;
  readonly worker: Worker;
  readonly sessions: Set<WeakRef<WorkerDelivery>>;
}

/** Every client of the process that delivers from a worker shares its thread (per script). */
const threads = new Map<string, DeliveryThread>();

function joinThread(entry: string | URL, session: WeakRef<WorkerDelivery>, init: WorkerInit): DeliveryThread {
  const key = entry instanceof URL ? entry.href : entry;
  let thread = threads.get(key);
  if (thread === undefined) {
    // No inherited execArgv: the worker is plain JS and needs none of the app's loaders or
    // preloads (under `--import tsx` it could not even start while the app's thread blocks at exit).
    const worker = new Worker(entry, { execArgv: [] });
    worker.unref();
    const started: DeliveryThread = { key, worker, sessions: new Set() };
    const died = (err: unknown) => {
      if (threads.get(key) === started) threads.delete(key);
      const sessions = [...started.sessions];
      started.sessions.clear();
      for (const s of sessions) s.deref()?.died(err);
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`the delivery worker exited with code ${code}`)));
    threads.set(key, started);
    thread = started;
  }
  thread.sessions.add(session);
  const open: OpenSession = { t: 'open', session: init };
  thread.worker.postMessage(open, [init.port]);
  return thread;
}

/** A stopped client leaves its thread; the last one out ends it. */
function leaveThread(thread: DeliveryThread, session: WeakRef<WorkerDelivery>): void {
  thread.sessions.delete(session);
  if (thread.sessions.size > 0) return;
  if (threads.get(thread.key) === thread) threads.delete(thread.key);
  void thread.worker.terminate();
}

/**
 * A client collected without `shutdown()` (it held no event then): its channel is closed, which
 * ends its session on the worker (queue and pool), and it leaves the thread.
 */
const abandoned = new FinalizationRegistry<{
  thread: DeliveryThread;
  self: WeakRef<WorkerDelivery>;
  port: MessagePort;
}>(({ thread, self, port }) => {
  port.close();
  leaveThread(thread, self);
});
