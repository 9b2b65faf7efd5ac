import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { KeyRecord } from './accounts.js';
import type { EventRow } from './eventJson.js';
import type { EventStore, ScanCursor } from './eventStore.js';
import type { EventFilters } from './filters.js';

/**
 * Text gathered from the cursor before it is written. Small enough that one batch holds
 * the event loop for a fraction of a millisecond with ordinary events, so ingestion
 * requests interleave with a long read; one 1 MiB event still makes a chunk of its own.
 */
const CHUNK_CHARS = 64 * 1024;

/** What to read and how to render it. */
export interface RowsPlan {
  readonly events: EventStore;
  readonly key: KeyRecord;
  readonly filters: EventFilters;
  /** Events stored after the read began are left out, so the response is one consistent cut. */
  readonly maxSeq: number;
  readonly offset: number;
  /** Stop after this many rows. */
  readonly maxRows: number;
  /** Stop after the row that brings the rendered rows to this many characters. */
  readonly maxChars: number;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The text before the first row. */
  readonly head: string;
  /** One row's text; `index` counts from 0 in this response. */
  render(row: EventRow, index: number): string;
  /** The text after the last row, knowing how many were written and whether the budget left matches out. */
  tail(count: number, cut: boolean): string;
}

/**
 * Streams rows from a SQLite cursor into the response. A response that fits in one chunk
 * goes out whole with a `content-length`, as before; a longer one is chunked, and each
 * chunk waits for the socket to take the previous one (a client that does not read stops
 * the cursor) and for a turn of the event loop (ingestion runs between chunks). The cursor
 * is closed before every wait, since the connection serves no other statement while one
 * is open; the next chunk resumes after the last row written, by key, not by offset.
 *
 * A revoked key stops the stream at the next chunk. Once headers are sent a failure can
 * only cut the connection, which the client sees as a truncated body.
 */
export async function streamRows(res: ServerResponse, plan: RowsPlan): Promise<void> {
  let gone = false;
  const onClose = () => {
    gone = true;
  };
  res.once('close', onClose);
  try {
    let from: { cursor: ScanCursor } | { offset: number } = { offset: plan.offset };
    let chunk = plan.head;
    let count = 0;
    let chars = 0;
    for (;;) {
      let more = false;
      let cut = false;
      for (const row of plan.events.scan(plan.key.account.id, plan.filters, plan.maxSeq, from)) {
        // Checked with the next row in hand, so `cut` means that more rows matched.
        if (count >= plan.maxRows || chars >= plan.maxChars) {
          cut = true;
          break;
        }
        if (chunk.length >= CHUNK_CHARS) {
          more = true;
          break;
        }
        const text = plan.render(row, count);
        chunk += text;
        chars += text.length;
        count++;
        from = { cursor: row };
      }
      if (!more) {
        const body = chunk + plan.tail(count, cut);
        if (!res.headersSent) {
          res.writeHead(plan.status, { ...plan.headers, 'content-length': Buffer.byteLength(body) });
        }
        res.end(body);
        return;
      }
      if (!res.headersSent) res.writeHead(plan.status, plan.headers);
      // A chunk holding one large event (up to 1 MiB) goes out in CHUNK_CHARS slices, so that
      // no single turn encodes and copies a whole megabyte while ingestion waits.
      for (let at = 0; at < chunk.length; ) {
        const end = sliceEnd(chunk, at + CHUNK_CHARS);
        const drained = res.write(chunk.slice(at, end)) ? undefined : waitForDrain(res);
        at = end;
        if (drained) await drained;
        // Always a turn of the event loop, after 'drain' too: a write that the kernel took at
        // once emits 'drain' from process.nextTick, so without it a fast reader would have the
        // whole export written in one unbroken chain of ticks, with ingestion waiting for seconds.
        await nextTurn();
        if (gone) return;
      }
      chunk = '';
      if (plan.key.revoked) {
        res.destroy();
        return;
      }
    }
  } finally {
    res.off('close', onClose);
  }
}

/** `end`, or one less so that a slice never splits a surrogate pair (each slice is encoded on its own). */
function sliceEnd(text: string, end: number): number {
  if (end >= text.length) return text.length;
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
