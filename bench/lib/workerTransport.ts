// PROTOTYPE for issue 18 goal 2 (measurement only, not a delivery mode): a `Transport` whose
// HTTP work runs on a worker thread (bench/lib/deliveryWorker.ts). The client's queue, retries
// and promises stay on the app's thread; what moves is undici's dispatch, the socket writes and
// the response parsing. Requests cross either as one `postMessage` per event-loop turn
// (`message`), or through a SharedArrayBuffer ring with one `Atomics.notify` per turn (`sab`);
// answers come back batched with one `postMessage` per worker turn in both modes. A full
// worker mode would also move the queue and send back only counters, so this measures the
// hand-over at its most chatty: an upper bound on the app thread's cost.
import { Worker } from 'node:worker_threads';
import type { Transport, TransportRequest, TransportResponse } from '@auditledge/core';

export type WorkerMode = 'message' | 'sab';

export const RING_BYTES = 16 * 1024 * 1024;
/** Control words: [0] write offset (bytes, monotonic), [1] read offset, [2] records written. */
export const CTRL_WRITE = 0;
export const CTRL_READ = 1;

interface Pending {
  resolve(res: TransportResponse): void;
  reject(err: Error): void;
}

export function workerTransport(baseUrl: string, mode: WorkerMode, connections: number): Transport {
  const ctrl = new Int32Array(new SharedArrayBuffer(16));
  const ring = new Uint8Array(new SharedArrayBuffer(RING_BYTES));
  const worker = new Worker(new URL('./deliveryWorker.mjs', import.meta.url), {
    workerData: { baseUrl, connections, ctrl, ring },
  });
  const pending = new Map<number, Pending>();
  const encoder = new TextEncoder();
  let nextId = 0;
  let headers: Record<string, string> | undefined;
  let timeout = 10_000;
  let batch: Array<number | string> = [];
  let scheduled = false;
  /** Bytes written so far (the ring offset is this modulo RING_BYTES). */
  let written = 0;
  let fallbacks = 0;

  worker.on('message', (msg: Array<number | string>) => {
    for (let i = 0; i < msg.length; i += 3) {
      const p = pending.get(msg[i] as number);
      if (p === undefined) continue;
      pending.delete(msg[i] as number);
      const status = msg[i + 1] as number;
      if (status === 0) p.reject(new Error(msg[i + 2] as string));
      else p.resolve({ status, headers: {}, body: msg[i + 2] as string });
    }
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });

  const flush = () => {
    scheduled = false;
    if (mode === 'sab') {
      Atomics.notify(ctrl, CTRL_WRITE);
    }
    if (batch.length > 0) {
      worker.postMessage({ headers, timeout, items: batch });
      batch = [];
    }
  };

  /** [u32 id][u16 key length][key][u32 body length][body], never split across the ring's end. */
  function writeRecord(id: number, key: string, body: string): boolean {
    const read = Atomics.load(ctrl, CTRL_READ);
    const max = 10 + key.length + body.length * 3; // worst case UTF-8
    let at = written % RING_BYTES;
    let skip = 0;
    if (at + max + 4 > RING_BYTES) skip = RING_BYTES - at; // wrap: a zero id marks the skip
    if (written + skip + max + 4 - read > RING_BYTES) return false; // full
    const view = new DataView(ring.buffer);
    if (skip > 0) {
      if (skip >= 4) view.setUint32(at, 0xffffffff);
      written += skip;
      at = 0;
    }
    view.setUint32(at, id);
    view.setUint16(at + 4, key.length);
    encoder.encodeInto(key, ring.subarray(at + 6, at + 6 + key.length));
    const bodyAt = at + 10 + key.length;
    const { written: n } = encoder.encodeInto(body, ring.subarray(bodyAt, bodyAt + body.length * 3));
    view.setUint32(at + 6 + key.length, n);
    written += 10 + key.length + n;
    Atomics.store(ctrl, CTRL_WRITE, written);
    return true;
  }

  return {
    request(req: TransportRequest): Promise<TransportResponse> {
      if (headers === undefined) {
        // The worker starts reading the ring once it has the constant headers.
        headers = { ...req.headers, 'idempotency-key': '' };
        timeout = req.timeout;
        worker.postMessage({ headers, timeout, items: [] });
      }
      const id = ++nextId;
      const key = req.headers['idempotency-key'] ?? '';
      const promise = new Promise<TransportResponse>((resolve, reject) => {
        pending.set(id, { resolve, reject });
      });
      if (mode === 'message' || !writeRecord(id, key, req.body ?? '')) {
        if (mode === 'sab') fallbacks++;
        batch.push(id, key, req.body ?? '');
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return promise;
    },
    async close() {
      await worker.terminate();
      if (fallbacks > 0)
        process.emitWarning(`workerTransport: ${fallbacks} events went by postMessage (ring full)`);
    },
  };
}
