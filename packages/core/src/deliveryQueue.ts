import { backoffDelay } from './backoff.js';
import { Deque } from './deque.js';
import { AuditLedgeError } from './errors.js';
import type { ErrorContext, ResolvedOptions } from './options.js';
import type { Outcome } from './outcome.js';
import type { Spool, SpooledEvent, SpoolSlot } from './spool/spool.js';
import type { DeliveryStats, DropReason, PipelineState, UndeliveredEvent } from './types.js';

/** One accepted event. The body is serialized at enqueue, so later mutation by the app cannot change it. */
export interface QueuedEvent {
  readonly id: string;
  readonly body: string;
  readonly bytes: number;
  readonly enqueuedAt: number;
  readonly seq: number;
  attempts: number;
  settled: boolean;
  /** Counted in the caps (false for an event refused with queue_full). */
  held: boolean;
  /** Only for `log()`: the promise to settle. */
  deferred: Deferred | undefined;
  /** Its record in the spool, acknowledged once it is delivered or finally dropped. */
  slot?: SpoolSlot | undefined;
}

export interface Deferred {
  resolve(body: string): void;
  reject(error: AuditLedgeError): void;
}

type QueueOptions = Pick<
  ResolvedOptions,
  | 'flushAt'
  | 'flushInterval'
  | 'concurrency'
  | 'maxQueueSize'
  | 'maxQueueBytes'
  | 'maxRetries'
  | 'maxEventAge'
  | 'retryBaseDelay'
  | 'maxRetryDelay'
  | 'authRetryInterval'
  | 'quotaRetryInterval'
>;

export interface DeliveryQueueHooks {
  /** False when nobody listens for drops (no onError, onDrop or logger): drop errors are then not built. */
  readonly observed: boolean;
  /** Sends one event; never rejects. */
  deliver(event: QueuedEvent): Promise<Outcome>;
  /** Reports a problem to the user (onError/logger); never throws. */
  report(error: AuditLedgeError, context: ErrorContext): void;
  /** A dropped event, for onDrop (shutdown leftovers included). */
  dropped(event: QueuedEvent, reason: DropReason): void;
  /** The queue went from idle to holding unsettled events (true), or back (false). */
  busy(busy: boolean): void;
  /** An event was delivered, with the API's answer (the delivery worker reports it to the app's thread). */
  delivered?(event: QueuedEvent, body: string): void;
}

/**
 * What the client asks of its delivery pipeline: the in-thread `DeliveryQueue`, or the
 * app-thread end of `delivery: 'worker'` (worker/workerDelivery.ts). Both keep the same
 * accounting: accepted = delivered + dropped + queued + inFlight, at every moment.
 */
export interface Pipeline {
  readonly state: PipelineState;
  /** Events queued or in flight. */
  readonly unsettled: number;
  /** True while the pipeline cannot make progress without outside help (401/429). */
  readonly paused: boolean;
  add(id: string, body: string, bytes: number, deferred: Deferred | undefined, now?: number): void;
  flush(): Promise<void>;
  /**
   * Stops for good and returns what is left (dropped with reason `shutdown`), synchronously.
   * `flushFor`: ms it may still spend delivering first, blocking (only a worker can: the
   * process's `exit` allows nothing asynchronous on the app's thread).
   */
  stop(flushFor?: number): UndeliveredEvent[];
  stats(): Omit<DeliveryStats, 'unrecorded'>;
  /** A new API key: every later request carries it, and a pipeline paused by a 401 resumes. */
  setApiKey(apiKey: string): void;
}

interface FlushWaiter {
  target: number;
  remaining: number;
  promise: Promise<void>;
  resolve(): void;
}

const noop = () => {};

/**
 * The background pipeline: a bounded queue drained by at most `concurrency` deliveries
 * at once, with one pipeline-wide backoff (so an outage costs one probe per interval,
 * not one retry per event) and exact accounting:
 * accepted = delivered + dropped + queued + inFlight, at every moment.
 */
export class DeliveryQueue implements Pipeline {
  readonly #opts: QueueOptions;
  readonly #hooks: DeliveryQueueHooks;
  readonly #queue = new Deque<QueuedEvent>();
  readonly #inFlight = new Set<QueuedEvent>();
  #queuedBytes = 0;
  /** Bytes of events queued or in flight: what the caps bound, since a failed send comes back. */
  #heldBytes = 0;
  #seq = 0;
  /** Events queued or in flight (held), for the idle/busy transitions. */
  #unsettled = 0;
  #accepted = 0;
  #delivered = 0;
  #retries = 0;
  readonly #dropped = noDrops();
  #state: PipelineState = 'running';
  #draining = false;
  /** Paused and the interval is over: the next event goes out alone, as a probe. */
  #probeDue = false;
  /** Bumped on every pause: answers to requests sent before it do not pause again. */
  #epoch = 0;
  #failures = 0;
  /** The pause last reported to onError, so a long outage is reported once, not once per probe. */
  #reportedPause: PipelineState | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #resumeTimer: NodeJS.Timeout | undefined;
  #waiters: FlushWaiter[] = [];
  #undelivered: UndeliveredEvent[] | undefined;
  readonly #spool: Spool | undefined;
  /** The seq of every spilled event (on disk only), in spool order, and the `log()` promises among them. */
  readonly #spilledSeqs = new Deque<number>();
  readonly #spilledLogs = new Map<number, Deferred>();
  /** Spilled events whose write failed (dropped already): skipped when reading back. */
  readonly #lostSeqs = new Set<number>();
  #loading = false;

  constructor(options: QueueOptions, hooks: DeliveryQueueHooks, spool?: Spool) {
    this.#opts = options;
    this.#hooks = hooks;
    this.#spool = spool;
    if (spool !== undefined && spool.backlog > 0) {
      // What a former process left: accepted again here, read back from disk as the queue drains.
      for (let k = 0; k < spool.backlog; k++) this.#spilledSeqs.push(++this.#seq);
      this.#accepted += spool.backlog;
      this.#unsettled += spool.backlog;
      this.#hooks.busy(true);
      this.#load();
    }
  }

  get state(): PipelineState {
    return this.#state;
  }

  /** Events queued or in flight. */
  get unsettled(): number {
    return this.#unsettled;
  }

  /**
   * Takes an accepted event. Full queue: dropped with `queue_full` at once; with a spool it
   * waits on disk instead ("spilled"), and only a full spool drops it (`spool_full`).
   */
  add(
    id: string,
    body: string,
    bytes: number,
    deferred: Deferred | undefined,
    now = Date.now(),
    seq = this.#seq + 1,
  ): void {
    // `seq`: the delivery worker numbers events as the app's thread did, to report on them by it.
    this.#seq = seq;
    const event: QueuedEvent = {
      id,
      body,
      bytes,
      enqueuedAt: now,
      seq,
      attempts: 0,
      settled: false,
      held: false,
      deferred,
    };
    this.#accepted++;
    const full =
      this.#queue.length + this.#inFlight.size >= this.#opts.maxQueueSize ||
      this.#heldBytes + bytes > this.#opts.maxQueueBytes;
    const spool = this.#spool;
    if (spool !== undefined) {
      // Once one event waits on disk, the ones after it do too: the spool is read back in order.
      const spill = full || spool.backlog > 0;
      event.slot = spool.append(id, body, bytes, spill, event.seq);
      if (event.slot === undefined) {
        this.#drop(event, 'spool_full', spoolFullError);
        return;
      }
      if (spill) {
        this.#spilledSeqs.push(event.seq);
        if (deferred !== undefined) this.#spilledLogs.set(event.seq, deferred);
        if (this.#unsettled++ === 0) this.#hooks.busy(true);
        this.#load();
        return;
      }
    } else if (full) {
      this.#drop(event, 'queue_full', queueFullError);
      return;
    }
    event.held = true;
    this.#queue.push(event);
    this.#queuedBytes += bytes;
    this.#heldBytes += bytes;
    if (this.#unsettled++ === 0) this.#hooks.busy(true);
    if (this.#draining) this.#pump();
    // Someone awaits this one (log()): it goes now, not after flushInterval.
    else if (deferred !== undefined || this.#queue.length >= this.#opts.flushAt) this.#startDrain();
    else if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => this.#startDrain(), this.#opts.flushInterval);
      // A queued event must not keep the process alive; shutdown() is the way to wait for it.
      this.#flushTimer.unref?.(); // optional: under a jsdom test environment (jest 26 default) timers are numbers
    }
  }

  /** Resolves once every event accepted before the call is delivered or dropped. */
  flush(): Promise<void> {
    const unsettled = this.#queue.length + this.#inFlight.size + (this.#spool?.backlog ?? 0);
    if (unsettled === 0) return Promise.resolve();
    const last = this.#waiters[this.#waiters.length - 1];
    if (last !== undefined && last.target === this.#seq) {
      this.#startDrain();
      this.#load();
      return last.promise;
    }
    let resolve = noop;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#waiters.push({ target: this.#seq, remaining: unsettled, promise, resolve });
    this.#startDrain();
    this.#load();
    return promise;
  }

  /** After a 401: the app has a new key (the client's headers already carry it), try again now. */
  setApiKey(_apiKey: string): void {
    if (this.#state === 'unauthorized') this.#resume();
  }

  /** Bytes of the events in flight. */
  get inFlightBytes(): number {
    return this.#heldBytes - this.#queuedBytes;
  }

  /** True while the pipeline cannot make progress without outside help (401/429). */
  get paused(): boolean {
    return this.#state === 'unauthorized' || this.#state === 'quota_exceeded';
  }

  /**
   * Stops for good: what is still queued or in flight is dropped with reason `shutdown`
   * and returned. An answer that arrives later for an in-flight event is ignored.
   */
  stop(): UndeliveredEvent[] {
    this.#state = 'closed';
    this.#draining = false;
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#resumeTimer);
    const undelivered: UndeliveredEvent[] = [];
    this.#undelivered = undelivered;
    for (const event of this.#inFlight) this.#drop(event, 'shutdown', shutdownError);
    for (const event of this.#queue.drain()) {
      this.#queuedBytes -= event.bytes;
      this.#drop(event, 'shutdown', shutdownError);
    }
    this.#undelivered = undefined;
    // Not acknowledged: the leftovers stay in the spool, and the spilled ones stay `queued`, for the next client.
    this.#spool?.close();
    return undelivered;
  }

  /** Everything but `unrecorded`, which the client counts. */
  stats(): Omit<DeliveryStats, 'unrecorded'> {
    const d = this.#dropped;
    return {
      accepted: this.#accepted,
      delivered: this.#delivered,
      dropped: withTotal(d),
      queued: this.#queue.length + (this.#spool?.backlog ?? 0),
      queuedBytes: this.#queuedBytes + (this.#spool?.backlogBytes ?? 0),
      inFlight: this.#inFlight.size,
      retries: this.#retries,
      state: this.#state,
    };
  }

  #startDrain(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#queue.length === 0) return;
    this.#draining = true;
    this.#pump();
  }

  #pump(): void {
    if (this.#state === 'running') {
      while (this.#inFlight.size < this.#opts.concurrency && this.#sendNext());
    } else if (this.#probeDue && this.#sendNext()) {
      this.#probeDue = false; // paused: exactly one probe per interval
    }
  }

  #sendNext(): boolean {
    const event = this.#queue.shift();
    if (event === undefined) {
      this.#draining = false;
      return false;
    }
    this.#queuedBytes -= event.bytes;
    this.#send(event);
    return true;
  }

  #send(event: QueuedEvent): void {
    this.#inFlight.add(event);
    const epoch = this.#epoch;
    this.#hooks.deliver(event).then(
      (outcome) => this.#onOutcome(event, outcome, epoch),
      // deliver() never rejects; if a custom hook does, treat it as transient.
      (err: unknown) =>
        this.#onOutcome(
          event,
          { type: 'retry', error: new AuditLedgeError('AL_ERR_NETWORK', String(err)), retryAfter: undefined },
          epoch,
        ),
    );
  }

  #onOutcome(event: QueuedEvent, outcome: Outcome, epoch: number): void {
    if (event.settled) return; // stop() already handed it back
    this.#inFlight.delete(event);
    switch (outcome.type) {
      case 'delivered':
        this.#delivered++;
        if (event.slot !== undefined) this.#spool?.ack(event.slot, event.id);
        this.#settle(event);
        event.deferred?.resolve(outcome.body);
        this.#hooks.delivered?.(event, outcome.body);
        this.#healthy();
        break;
      case 'reject':
        this.#drop(event, 'invalid', outcome.error);
        this.#healthy();
        break;
      case 'pause':
        this.#requeue(event, 'front');
        this.#pause(
          outcome.state,
          outcome.retryAfter ??
            (outcome.state === 'unauthorized' ? this.#opts.authRetryInterval : this.#opts.quotaRetryInterval),
          epoch,
          outcome.error,
        );
        break;
      case 'retry': {
        this.#retries++;
        event.attempts++;
        if (event.attempts > this.#opts.maxRetries) {
          this.#drop(event, 'retries_exhausted', dropped('retries_exhausted', outcome.error));
        } else if (Date.now() - event.enqueuedAt > this.#opts.maxEventAge) {
          this.#drop(event, 'expired', dropped('expired', outcome.error));
        } else {
          // To the back: the next probe is another event, so one poison event cannot block the
          // pipeline, and an outage spreads its failed probes over the queue.
          this.#requeue(event, 'back');
        }
        if (epoch === this.#epoch) this.#failures++;
        const delay =
          outcome.retryAfter ??
          backoffDelay(this.#failures - 1, this.#opts.retryBaseDelay, this.#opts.maxRetryDelay);
        this.#pause('backoff', Math.min(delay, this.#opts.maxRetryDelay), epoch, outcome.error);
        break;
      }
    }
    this.#pump();
  }

  #requeue(event: QueuedEvent, end: 'front' | 'back'): void {
    if (this.#state === 'closed') {
      this.#drop(event, 'shutdown', shutdownError);
      return;
    }
    if (end === 'front') this.#queue.unshift(event);
    else this.#queue.push(event);
    this.#queuedBytes += event.bytes;
  }

  #pause(state: PipelineState, delay: number, epoch: number, error: AuditLedgeError): void {
    // Answers to requests sent before the last pause change nothing: one outage, one pause.
    if (epoch !== this.#epoch || this.#state === 'closed') return;
    this.#epoch++;
    this.#state = state;
    this.#probeDue = false;
    clearTimeout(this.#resumeTimer);
    this.#resumeTimer = setTimeout(() => this.#resume(), delay);
    // Sleeping through an outage must not keep the process alive either.
    this.#resumeTimer.unref?.();
    if (this.#reportedPause !== state) {
      this.#reportedPause = state;
      this.#hooks.report(error, { operation: 'deliver' });
    }
  }

  /** The pause is over: let one probe out. The state changes only when an answer proves health. */
  #resume(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#resumeTimer);
    this.#resumeTimer = undefined;
    this.#probeDue = true;
    this.#startDrain();
  }

  /** The API answered sensibly (2xx or a 4xx about the event itself): it is up. */
  #healthy(): void {
    if (this.#state === 'closed') return;
    if (this.#state !== 'running') {
      this.#state = 'running';
      this.#probeDue = false;
      clearTimeout(this.#resumeTimer);
      this.#resumeTimer = undefined;
    }
    this.#failures = 0;
    this.#reportedPause = undefined;
  }

  #drop(event: QueuedEvent, reason: DropReason, cause: AuditLedgeError | (() => AuditLedgeError)): void {
    this.#inFlight.delete(event);
    this.#dropped[reason]++;
    if (event.slot !== undefined && reason !== 'shutdown') this.#spool?.ack(event.slot, event.id);
    this.#settle(event);
    if (reason === 'shutdown') this.#undelivered?.push(toUndelivered(event));
    // When the queue overflows, events are dropped by the thousand: build no error nobody reads.
    if (event.deferred === undefined && !this.#hooks.observed) return;
    const error = typeof cause === 'function' ? cause() : cause;
    event.deferred?.reject(error);
    // Shutdown leftovers are one summary in the report, not one onError each; onDrop still sees
    // them, so an app whose client was made for it (the Fastify plugin) can keep them.
    if (reason !== 'shutdown') this.#hooks.report(error, { operation: 'deliver', eventId: event.id, reason });
    this.#hooks.dropped(event, reason);
  }

  #settle(event: QueuedEvent): void {
    event.settled = true;
    if (event.held) {
      this.#heldBytes -= event.bytes;
      if (--this.#unsettled === 0) this.#hooks.busy(false);
      if (this.#spool !== undefined && this.#spool.backlog > 0) this.#load();
    }
    if (this.#waiters.length === 0) return;
    for (const waiter of this.#waiters) {
      if (event.seq <= waiter.target && --waiter.remaining === 0) waiter.resolve();
    }
    this.#waiters = this.#waiters.filter((w) => w.remaining > 0);
  }

  /** Spilled events whose write failed: on disk nowhere, in memory nowhere but here. */
  spoolLost(events: { id: string; body: string; bytes: number; seq: number }[]): void {
    for (const lost of events) {
      this.#lostSeqs.add(lost.seq);
      const deferred = this.#spilledLogs.get(lost.seq);
      this.#spilledLogs.delete(lost.seq);
      const event: QueuedEvent = {
        ...lost,
        enqueuedAt: Date.now(),
        attempts: 0,
        settled: false,
        held: false,
        deferred,
      };
      this.#drop(event, 'spool_full', spoolFullError);
      if (--this.#unsettled === 0) this.#hooks.busy(false);
    }
  }

  /** Reads spilled events back from the spool once the memory queue has room for a good share of them. */
  #load(): void {
    const spool = this.#spool;
    if (spool === undefined || this.#loading || spool.backlog === 0 || this.#state === 'closed') return;
    const room = this.#opts.maxQueueSize - this.#queue.length - this.#inFlight.size;
    const roomBytes = this.#opts.maxQueueBytes - this.#heldBytes;
    if (room < Math.min(spool.backlog, Math.ceil(this.#opts.maxQueueSize / 4)) || roomBytes <= 0) return;
    this.#loading = true;
    spool.read(room, roomBytes).then(
      (events) => {
        this.#loading = false;
        this.#loaded(events);
        this.#load();
      },
      (err: unknown) => {
        this.#loading = false;
        this.#hooks.report(
          new AuditLedgeError('AL_ERR_SPOOL', `Reading the spool failed: ${(err as Error)?.message ?? err}`, {
            cause: err,
          }),
          { operation: 'deliver' },
        );
      },
    );
  }

  #loaded(events: SpooledEvent[]): void {
    const now = Date.now();
    for (const spooled of events) {
      let seq = this.#spilledSeqs.shift();
      while (seq !== undefined && this.#lostSeqs.delete(seq)) seq = this.#spilledSeqs.shift();
      const event: QueuedEvent = {
        id: spooled.id,
        body: spooled.body,
        bytes: spooled.bytes,
        enqueuedAt: now,
        seq: seq ?? ++this.#seq,
        attempts: 0,
        settled: false,
        held: true,
        deferred: undefined,
        slot: spooled.slot,
      };
      if (seq !== undefined) {
        event.deferred = this.#spilledLogs.get(seq);
        this.#spilledLogs.delete(seq);
      }
      this.#heldBytes += event.bytes;
      if (this.#state === 'closed') {
        // Read while shutting down: it stays in the spool for the next client.
        this.#drop(event, 'shutdown', shutdownError);
        continue;
      }
      this.#queue.push(event);
      this.#queuedBytes += event.bytes;
    }
    if (events.length > 0 && this.#state !== 'closed') this.#startDrain();
  }
}

/** Drop counters, one per reason, at zero. */
export function noDrops(): Record<DropReason, number> {
  return { queue_full: 0, invalid: 0, retries_exhausted: 0, expired: 0, shutdown: 0, spool_full: 0 };
}

/** `stats().dropped`: the counters and their sum. */
export function withTotal(d: Record<DropReason, number>): DeliveryStats['dropped'] {
  return {
    ...d,
    total: d.queue_full + d.invalid + d.retries_exhausted + d.expired + d.shutdown + d.spool_full,
  };
}

/** Rebuilds the event from its serialized body, for onDrop and shutdown reports. */
export function toUndelivered(event: Pick<QueuedEvent, 'id' | 'body' | 'attempts'>): UndeliveredEvent {
  return { id: event.id, event: JSON.parse(event.body), attempts: event.attempts };
}

function dropped(reason: DropReason, cause: AuditLedgeError): AuditLedgeError {
  return new AuditLedgeError('AL_ERR_DROPPED', `Event dropped (${reason}): ${cause.message}`, {
    reason,
    cause,
    status: cause.status,
  });
}

function queueFullError(): AuditLedgeError {
  return new AuditLedgeError('AL_ERR_DROPPED', 'Event dropped: the delivery queue is full', {
    reason: 'queue_full',
  });
}

function spoolFullError(): AuditLedgeError {
  return new AuditLedgeError('AL_ERR_DROPPED', 'Event dropped: the spool is full (spool.maxBytes)', {
    reason: 'spool_full',
  });
}

function shutdownError(): AuditLedgeError {
  return new AuditLedgeError('AL_ERR_DROPPED', 'Event not delivered before shutdown', { reason: 'shutdown' });
}
