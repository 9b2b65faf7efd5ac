import {
  close,
  closeSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  read,
  readdirSync,
  readFileSync,
  unlink,
  unlinkSync,
  write,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { AuditLedgeError } from '../errors.js';
import { acquireLock, releaseLock } from './lock.js';
import { ACK, ackRecordBytes, EVENT, eventRecordBytes, HEADER, readRecord, writeRecord } from './record.js';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface SpoolOptions {
  /** Directory of the spool, created if missing. One process at a time (a lock file guards it). */
  dir: string;
  /** Bytes of segment files at most; past it new events are dropped with reason `spool_full`. @default 268435456 (256 MiB) */
  maxBytes?: number | undefined;
  /**
   * When appended events are forced to stable storage: `'always'` after every group-commit
   * write, `'interval'` at most every `fsyncInterval` ms, `'never'` (left to the OS). A process
   * crash (SIGKILL, OOM) loses nothing written under any policy; `fsync` only matters for a
   * power loss or a kernel crash. @default 'interval'
   */
  fsync?: FsyncPolicy | undefined;
  /** For `fsync: 'interval'`, in ms. @default 1000 */
  fsyncInterval?: number | undefined;
}

export const spoolDefaults = {
  maxBytes: 256 * 1024 * 1024,
  fsync: 'interval',
  fsyncInterval: 1_000,
} as const;

export type ResolvedSpoolOptions = Required<SpoolOptions>;

export interface SpoolStats {
  /** Bytes of segment files on disk, plus the batch not yet written. */
  bytes: number;
  segments: number;
  /** Events found unacknowledged in the directory when the client started, and queued again. */
  replayed: number;
  /** Events accepted while the memory queue was full, waiting on disk only (counted in `queued`). */
  spilled: number;
  /** Corrupt or truncated tails skipped (a crash in the middle of an append leaves one). */
  corrupt: number;
  /** Appends the disk refused (ENOSPC, EIO...); each was reported to `onError`. */
  writeErrors: number;
}

const NEW = 0;
const WRITING = 1;
const WRITTEN = 2;
const LOST = 3;

interface Segment {
  readonly no: number;
  readonly path: string;
  /** Bytes of valid records (a bad tail beyond is never read). */
  size: number;
  /** Bytes on disk, the bad tail included: what `maxBytes` bounds. */
  fileBytes: number;
  /** Event records not yet acknowledged. */
  live: number;
  /** Found at start: records acknowledged then are skipped when replayed. */
  readonly old: boolean;
}

/** Where an accepted event's record is, so its delivery can acknowledge it. */
export interface SpoolSlot {
  segment: Segment | undefined;
  state: number;
  acked: boolean;
}

interface Entry {
  readonly slot: SpoolSlot;
  readonly id: string;
  readonly body: string;
  readonly bodyBytes: number;
  readonly recordBytes: number;
  readonly spilled: boolean;
  readonly seq: number;
  readonly order: number;
}

/** An event read back from the spool (spilled earlier, or left by a former process). */
export interface SpooledEvent {
  id: string;
  body: string;
  bytes: number;
  slot: SpoolSlot;
}

export interface SpoolHooks {
  /** A write error (once per streak of failures) or a corrupt tail found at start. */
  report(error: AuditLedgeError): void;
  /** Spilled events of a batch the disk refused: never on disk, not in memory. */
  lost(events: { id: string; body: string; bytes: number; seq: number }[]): void;
}

const READ_CHUNK = 1024 * 1024;
const SEGMENT_NAME = /^(\d{12})\.seg$/;

/**
 * The on-disk spool: append-only segment files of checksummed records (an event with its
 * Idempotency-Key, or the acknowledgement of one), written by group commit: every append of
 * one event-loop turn goes out in one `write` at `setImmediate`, and while a write (and its
 * fsync, per the policy) is under way the next batch gathers. A segment is deleted when it is
 * no longer the one written to and every event in it is acknowledged. Events the memory queue
 * has no room for stay on disk only ("spilled") and are read back in order as it drains.
 */
export class Spool {
  readonly dir: string;
  readonly #opts: ResolvedSpoolOptions;
  readonly #hooks: SpoolHooks;
  readonly #lockPath: string;
  readonly #segments: Segment[] = [];
  #fd = -1;
  #nextNo: number;
  #diskBytes = 0;
  #pending: Entry[] = [];
  #pendingAcks: string[] = [];
  #pendingBytes = 0;
  #scheduled = false;
  #writing = false;
  /** The write under way (until its callback), which `close()` must not leave to the thread pool. */
  #inflight: { buf: Buffer; at: number; entries: Entry[] } | undefined;
  #rotate = false;
  #closed = false;
  /** Spilled events in the batch not yet written, and written but not yet read back. */
  #spilledPending = 0;
  #spilledOnDisk = 0;
  #backlogBytes = 0;
  #cursor: { segment: Segment; offset: number } | undefined;
  #acked: Set<string> | undefined;
  #reading = false;
  #readWaiters: (() => void)[] = [];
  #order = 0;
  #durableOrder = 0;
  #writtenOrder = 0;
  #durableWaiters: { order: number; resolve(): void }[] = [];
  #fsyncTimer: NodeJS.Timeout | undefined;
  #failing = false;
  readonly #stats = { replayed: 0, corrupt: 0, writeErrors: 0 };

  /** Creates the directory, takes its lock and reads what a former process left (synchronously: once, at start). */
  constructor(options: ResolvedSpoolOptions, hooks: SpoolHooks) {
    this.#opts = options;
    this.#hooks = hooks;
    this.dir = resolve(options.dir);
    try {
      mkdirSync(this.dir, { recursive: true });
      this.#lockPath = acquireLock(this.dir);
    } catch (err) {
      if (err instanceof AuditLedgeError) throw err;
      throw new AuditLedgeError(
        'AL_ERR_SPOOL',
        `Cannot open the spool directory ${this.dir}: ${(err as Error)?.message ?? err}`,
        { cause: err },
      );
    }
    try {
      this.#nextNo = this.#scan();
      this.#openSegment();
    } catch (err) {
      releaseLock(this.dir, this.#lockPath);
      throw err;
    }
    // A process that ends without shutdown() still writes its last batch and frees the directory.
    process.on('exit', this.#onExit);
  }

  readonly #onExit = (): void => this.close();

  /** Spilled events waiting on disk (or in the batch), not yet handed back by `read()`. */
  get backlog(): number {
    return this.#spilledPending + this.#spilledOnDisk;
  }

  get backlogBytes(): number {
    return this.#backlogBytes;
  }

  stats(): SpoolStats {
    return {
      bytes: this.#diskBytes + this.#pendingBytes,
      segments: this.#segments.length,
      replayed: this.#stats.replayed,
      spilled: this.backlog,
      corrupt: this.#stats.corrupt,
      writeErrors: this.#stats.writeErrors,
    };
  }

  /**
   * Adds an event to this turn's batch. `spilled`: the memory queue holds no copy, so it is read
   * back later. `undefined` when the spool is at `maxBytes`.
   */
  append(id: string, body: string, bodyBytes: number, spilled: boolean, seq: number): SpoolSlot | undefined {
    const recordBytes = eventRecordBytes(id, bodyBytes);
    if (this.#closed || this.#diskBytes + this.#pendingBytes + recordBytes > this.#opts.maxBytes) {
      return undefined;
    }
    const slot: SpoolSlot = { segment: undefined, state: NEW, acked: false };
    this.#pending.push({ slot, id, body, bodyBytes, recordBytes, spilled, seq, order: ++this.#order });
    this.#pendingBytes += recordBytes;
    if (spilled) {
      this.#spilledPending++;
      this.#backlogBytes += bodyBytes;
    }
    this.#schedule();
    return slot;
  }

  /** The event is delivered or finally dropped: it must not be replayed. */
  ack(slot: SpoolSlot, id: string): void {
    if (slot.acked) return;
    slot.acked = true;
    if (slot.state !== WRITTEN || slot.segment === undefined) return; // the write sees the flag
    this.#acknowledge(slot.segment, id);
  }

  /** Resolves once every event appended before the call is written (and fsynced, per the policy), or failed to be. */
  durable(): Promise<void> {
    const order = this.#order;
    if (this.#durableOrder >= order) return Promise.resolve();
    return new Promise((resolve) => this.#durableWaiters.push({ order, resolve }));
  }

  /**
   * Reads spilled events back, oldest first, at most `maxCount` of them and about `maxBytes`
   * of bodies (at least one). One read at a time.
   */
  async read(maxCount: number, maxBytes: number): Promise<SpooledEvent[]> {
    if (this.#reading || this.#closed) return [];
    this.#reading = true;
    try {
      if (this.#spilledOnDisk === 0 && this.#spilledPending > 0) {
        // The spilled events are all in the batch being gathered or written: wait for the write.
        await new Promise<void>((resolve) => this.#readWaiters.push(resolve));
      }
      const out: SpooledEvent[] = [];
      let bytes = 0;
      while (out.length < maxCount && out.length < this.#spilledOnDisk && bytes < maxBytes) {
        const cursor = this.#cursor;
        if (cursor === undefined || this.#closed) break;
        const { segment } = cursor;
        if (cursor.offset >= segment.size) {
          const next = this.#segments[this.#segments.indexOf(segment) + 1];
          if (next === undefined) break;
          this.#cursor = { segment: next, offset: 0 };
          if (!next.old) this.#acked = undefined;
          continue;
        }
        let buf = await readAt(
          segment.path,
          cursor.offset,
          Math.min(READ_CHUNK, segment.size - cursor.offset),
        );
        let at = 0;
        let record = readRecord(buf, 0);
        if (record === undefined && buf.length >= HEADER) {
          // One record longer than the chunk: read it whole.
          buf = await readAt(segment.path, cursor.offset, HEADER + buf.readUInt32LE(0));
          record = readRecord(buf, 0);
        }
        while (record) {
          if (record.type === EVENT && !(segment.old && this.#acked?.has(record.id))) {
            const body = record.body ?? '';
            const bodyBytes = record.next - at - HEADER - 2 - record.id.length;
            out.push({
              id: record.id,
              body,
              bytes: bodyBytes,
              slot: { segment, state: WRITTEN, acked: false },
            });
            bytes += bodyBytes;
          }
          at = record.next;
          if (out.length >= maxCount || out.length >= this.#spilledOnDisk || bytes >= maxBytes) break;
          record = readRecord(buf, at);
        }
        if (record === null || at === 0) {
          // Cannot happen for records this process wrote and checked at start; never loop on it.
          this.#stats.corrupt++;
          cursor.offset = segment.size;
          continue;
        }
        cursor.offset += at;
      }
      this.#spilledOnDisk -= out.length;
      for (const event of out) this.#backlogBytes -= event.bytes;
      if (this.#spilledOnDisk === 0 && this.#spilledPending === 0) this.#acked = undefined;
      this.#reclaim();
      return out;
    } finally {
      this.#reading = false;
    }
  }

  /**
   * Stops for good: everything appended or acknowledged so far is on disk when it returns
   * (and fsynced, unless the policy is `'never'`), written synchronously (this runs at shutdown
   * and at process `exit`, where no asynchronous I/O completes); then the lock is released, and
   * the next client may read the directory at once. What is not acknowledged stays for it to replay.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    process.removeListener('exit', this.#onExit);
    clearTimeout(this.#fsyncTimer);
    const inflight = this.#inflight;
    let at = this.#active().size;
    if (inflight !== undefined) {
      // On a busy thread pool the write under way may land after the next client has read the
      // directory (missing its acknowledgements, and the batch below past a hole): write the same
      // bytes at the same place now. Whichever lands last, the file is the same.
      at = inflight.at + inflight.buf.length;
      this.#writeNow(inflight.buf, inflight.at, inflight.entries);
      // Delivered while their own write was under way: only a record after it can say so now.
      for (const e of inflight.entries) if (e.slot.acked) this.#pendingAcks.push(e.id);
    }
    const batch = this.#takeBatch();
    if (batch !== undefined) {
      try {
        // A write under way keeps its fd and its place: this batch goes right after it.
        if (!this.#writing) {
          this.#maybeRotate(batch.buf.length, true);
          at = this.#active().size;
        }
        this.#writeNow(batch.buf, at, batch.entries);
      } catch (err) {
        this.#failed(batch.entries, err);
      }
    }
    if (!this.#writing) this.#closeFd(true);
    else if (this.#opts.fsync !== 'never') {
      // The write or fsync under way closes the fd when it is done: closed now, its number could
      // go to another file before that write lands. So the policy's fsync is done here, on it.
      try {
        fsyncSync(this.#fd);
      } catch {
        // As in #closeFd: nothing left to do with an fd that will not sync.
      }
    }
    releaseLock(this.dir, this.#lockPath);
    this.#settleDurable(this.#order);
    for (const wake of this.#readWaiters.splice(0)) wake();
  }

  /** A write at `close()`: synchronous, and recorded at once. */
  #writeNow(buf: Buffer, at: number, entries: Entry[]): void {
    try {
      const written = writeSync(this.#fd, buf, 0, buf.length, at);
      if (written === buf.length) this.#written(entries, buf.length, -1);
      else this.#failed(entries, shortWrite(written, buf.length));
    } catch (err) {
      this.#failed(entries, err);
    }
  }

  #active(): Segment {
    return this.#segments[this.#segments.length - 1] as Segment;
  }

  #schedule(): void {
    if (this.#scheduled || this.#writing || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#write();
    });
  }

  #takeBatch(): { buf: Buffer; entries: Entry[]; firstSpilled: number } | undefined {
    const entries = this.#pending.filter((e) => !e.slot.acked);
    const acks = this.#pendingAcks;
    const skipped = this.#pending.length - entries.length;
    const lastOrder = this.#pending[this.#pending.length - 1]?.order;
    this.#pending = [];
    this.#pendingAcks = [];
    this.#pendingBytes = 0;
    if (entries.length === 0 && acks.length === 0) {
      if (skipped > 0 && lastOrder !== undefined) this.#settleDurable(lastOrder);
      return undefined;
    }
    let size = 0;
    for (const e of entries) size += e.recordBytes;
    for (const id of acks) size += ackRecordBytes(id);
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    let firstSpilled = -1;
    for (const e of entries) {
      if (e.spilled && firstSpilled < 0) firstSpilled = at;
      e.slot.state = WRITING;
      at = writeRecord(buf, at, EVENT, e.id, e.body);
    }
    for (const id of acks) at = writeRecord(buf, at, ACK, id, undefined);
    return { buf, entries, firstSpilled };
  }

  #write(): void {
    if (this.#writing || this.#closed) return;
    const lastOrder = this.#pending[this.#pending.length - 1]?.order ?? this.#order;
    const batch = this.#takeBatch();
    if (batch === undefined) return;
    const { buf, entries, firstSpilled } = batch;
    try {
      this.#maybeRotate(buf.length, false);
    } catch (err) {
      this.#failed(entries, err);
      this.#settleDurable(lastOrder);
      return;
    }
    this.#writing = true;
    const at = this.#active().size;
    this.#inflight = { buf, at, entries };
    write(this.#fd, buf, 0, buf.length, at, (err, written) => {
      this.#inflight = undefined;
      if (this.#closed) {
        // close() wrote these bytes again and recorded them: only the fd is left to close.
        this.#writing = false;
        this.#closeFd(false);
        return;
      }
      const ok = err === null && written === buf.length;
      if (ok) this.#written(entries, buf.length, firstSpilled);
      else this.#failed(entries, err ?? shortWrite(written, buf.length));
      if (!ok) {
        this.#writing = false;
        this.#settleDurable(lastOrder);
        this.#next();
        return;
      }
      if (this.#opts.fsync === 'always') {
        fsync(this.#fd, () => {
          this.#writing = false;
          if (this.#closed) this.#closeFd(false);
          this.#settleDurable(lastOrder);
          this.#next();
        });
        return;
      }
      this.#writing = false;
      this.#writtenOrder = lastOrder;
      if (this.#opts.fsync === 'never') this.#settleDurable(lastOrder);
      else this.#scheduleFsync();
      this.#next();
    });
  }

  #closeFd(sync: boolean): void {
    const fd = this.#fd;
    if (!sync) {
      if (this.#opts.fsync === 'never') close(fd, noop);
      else fsync(fd, () => close(fd, noop));
      return;
    }
    try {
      if (this.#opts.fsync !== 'never') fsyncSync(fd);
      closeSync(fd);
    } catch {
      // Nothing left to do with an fd that will not sync or close.
    }
  }

  #next(): void {
    if (this.#closed) return;
    if (this.#pending.length > 0 || this.#pendingAcks.length > 0) this.#write();
    for (const wake of this.#readWaiters.splice(0)) wake();
  }

  #scheduleFsync(): void {
    if (this.#fsyncTimer !== undefined) return;
    this.#fsyncTimer = setTimeout(() => {
      this.#fsyncTimer = undefined;
      const order = this.#writtenOrder;
      if (this.#closed) return;
      fsync(this.#fd, () => this.#settleDurable(order));
    }, this.#opts.fsyncInterval);
    this.#fsyncTimer.unref?.(); // optional: under a jsdom test environment timers are numbers
  }

  #written(entries: Entry[], length: number, firstSpilled: number): void {
    const segment = this.#active();
    if (firstSpilled >= 0 && this.#spilledOnDisk === 0) {
      this.#cursor = { segment, offset: segment.size + firstSpilled };
    }
    segment.size += length;
    segment.fileBytes += length;
    this.#diskBytes += length;
    this.#failing = false;
    for (const e of entries) {
      e.slot.segment = segment;
      e.slot.state = WRITTEN;
      if (e.spilled) {
        this.#spilledPending--;
        this.#spilledOnDisk++;
      }
      segment.live++;
      if (e.slot.acked) this.#acknowledge(segment, e.id);
    }
  }

  #failed(entries: Entry[], err: unknown): void {
    this.#stats.writeErrors++;
    this.#rotate = true; // what follows must not land after a torn record
    const lost: { id: string; body: string; bytes: number; seq: number }[] = [];
    for (const e of entries) {
      e.slot.state = LOST;
      if (e.spilled) {
        this.#spilledPending--;
        this.#backlogBytes -= e.bodyBytes;
        lost.push({ id: e.id, body: e.body, bytes: e.bodyBytes, seq: e.seq });
      }
    }
    if (!this.#failing) {
      this.#failing = true;
      const code = (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message;
      this.#hooks.report(
        new AuditLedgeError(
          'AL_ERR_SPOOL',
          `Writing the spool in ${this.dir} failed${code ? ` (${code})` : ''}: events in memory are still delivered but would not survive a crash; events that were on disk only are dropped (spool_full)`,
          { cause: err },
        ),
      );
    }
    if (lost.length > 0) this.#hooks.lost(lost);
  }

  #acknowledge(segment: Segment, id: string): void {
    segment.live--;
    if (!this.#closed) {
      this.#pendingAcks.push(id);
      this.#schedule();
    }
    this.#reclaim();
  }

  /** Deletes the oldest segments while every event in them is acknowledged (oldest first, so an acknowledgement is never lost before its event). */
  #reclaim(): void {
    while (this.#segments.length > 1) {
      const oldest = this.#segments[0] as Segment;
      // Unread spilled events are unacknowledged, so `live` holds them too.
      if (oldest.live > 0) return;
      this.#segments.shift();
      this.#diskBytes -= oldest.fileBytes;
      const next = this.#segments[0] as Segment;
      if (this.#cursor?.segment === oldest) this.#cursor = { segment: next, offset: 0 };
      unlink(oldest.path, noop);
    }
  }

  #maybeRotate(length: number, sync: boolean): void {
    const active = this.#active();
    const segmentBytes = Math.max(64 * 1024, Math.floor(this.#opts.maxBytes / 16));
    if (!this.#rotate && (active.size === 0 || active.size + length <= segmentBytes)) return;
    this.#rotate = false;
    const fd = this.#fd;
    this.#openSegment();
    if (sync) closeSync(fd);
    else close(fd, noop);
    this.#reclaim();
  }

  #openSegment(): void {
    const no = this.#nextNo++;
    const path = join(this.dir, `${String(no).padStart(12, '0')}.seg`);
    this.#fd = openSync(path, 'wx');
    this.#segments.push({ no, path, size: 0, fileBytes: 0, live: 0, old: false });
  }

  #settleDurable(order: number): void {
    if (order > this.#durableOrder) this.#durableOrder = order;
    if (this.#durableWaiters.length === 0) return;
    const keep: { order: number; resolve(): void }[] = [];
    for (const w of this.#durableWaiters) {
      if (w.order <= this.#durableOrder) w.resolve();
      else keep.push(w);
    }
    this.#durableWaiters = keep;
  }

  /** Reads the segments a former process left; returns the next segment number. */
  #scan(): number {
    const names = readdirSync(this.dir)
      .filter((n) => SEGMENT_NAME.test(n))
      .sort();
    const acked = new Set<string>();
    const found: { segment: Segment; ids: string[]; bodyBytes: number[] }[] = [];
    let last = 0;
    for (const name of names) {
      const no = Number(SEGMENT_NAME.exec(name)?.[1]);
      last = Math.max(last, no);
      const path = join(this.dir, name);
      const buf = readFileSync(path);
      const ids: string[] = [];
      const bodyBytes: number[] = [];
      let at = 0;
      for (;;) {
        const record = readRecord(buf, at);
        if (!record) break;
        if (record.type === ACK) acked.add(record.id);
        else {
          ids.push(record.id);
          bodyBytes.push(record.next - at - HEADER - 2 - record.id.length);
        }
        at = record.next;
      }
      if (at < buf.length) {
        this.#stats.corrupt++;
        const report = this.#hooks.report;
        const bad = buf.length - at;
        // Reported after the constructor returns: onError may use the client it is being built for.
        queueMicrotask(() =>
          report(
            new AuditLedgeError(
              'AL_ERR_SPOOL',
              `The spool segment ${path} ends with ${bad} bytes that are not a whole record (a crash during a write): skipped`,
            ),
          ),
        );
      }
      const segment: Segment = { no, path, size: at, fileBytes: buf.length, live: 0, old: true };
      found.push({ segment, ids, bodyBytes });
    }
    for (const { segment, ids, bodyBytes } of found) {
      ids.forEach((id, k) => {
        if (acked.has(id)) return;
        segment.live++;
        this.#spilledOnDisk++;
        this.#backlogBytes += bodyBytes[k] ?? 0;
      });
      // Oldest first only, as at run time: a later segment may hold the acknowledgements of an older one.
      if (segment.live === 0 && this.#segments.length === 0) {
        unlinkSync(segment.path);
        continue;
      }
      this.#segments.push(segment);
      this.#diskBytes += segment.fileBytes;
    }
    this.#stats.replayed = this.#spilledOnDisk;
    const first = this.#segments[0];
    if (first !== undefined) {
      this.#cursor = { segment: first, offset: 0 };
      this.#acked = acked;
    }
    return last + 1;
  }
}

function readAt(path: string, position: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      reject(err);
      return;
    }
    const buf = Buffer.allocUnsafe(length);
    read(fd, buf, 0, length, position, (err, bytesRead) => {
      close(fd, noop);
      if (err) reject(err);
      else resolve(bytesRead === length ? buf : buf.subarray(0, bytesRead));
    });
  });
}

function shortWrite(written: number, length: number): Error {
  return new Error(
    `short write, ${written} of ${length} bytes: the disk is full or a file size limit is reached`,
  );
}

function noop(): void {}
