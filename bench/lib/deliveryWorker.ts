// PROTOTYPE worker for bench/lib/workerTransport.ts: owns an HTTP pool (core's own transport)
// and sends what the app thread hands over, answering in batches of one postMessage per turn.
import { parentPort, workerData } from 'node:worker_threads';
import { createHttpTransport } from '../../packages/core/src/httpTransport.js';
import { CTRL_READ, CTRL_WRITE, RING_BYTES } from './workerTransport.js';

const { baseUrl, connections, ctrl, ring } = workerData as {
  baseUrl: string;
  connections: number;
  ctrl: Int32Array;
  ring: Uint8Array;
};
const transport = createHttpTransport({ baseUrl, connections, connectTimeout: 10_000 });
const decoder = new TextDecoder();
const view = new DataView(ring.buffer);
let headers: Record<string, string> | undefined;
let timeout = 10_000;
let answers: Array<number | string> = [];
let scheduled = false;

function answer(id: number, status: number, body: string) {
  answers.push(id, status, body);
  if (!scheduled) {
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      parentPort!.postMessage(answers);
      answers = [];
    });
  }
}

function send(id: number, key: string, body: string) {
  transport
    .request({
      method: 'POST',
      path: '/v1/events',
      headers: { ...headers!, 'idempotency-key': key },
      body,
      timeout,
    })
    .then(
      (res) => answer(id, res.status, res.body),
      (err: Error) => answer(id, 0, err.message),
    );
}

/** Atomics.waitAsync (Node 16+; the typings here are for an older lib). */
interface AtomicsWaitAsync {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}

let read = 0;
function drainRing() {
  const written = Atomics.load(ctrl, CTRL_WRITE);
  while (read < written) {
    let at = read % RING_BYTES;
    if (at + 4 > RING_BYTES || view.getUint32(at) === 0xffffffff) {
      read += RING_BYTES - at; // the writer skipped to the start
      at = 0;
      continue;
    }
    const id = view.getUint32(at);
    const keyLength = view.getUint16(at + 4);
    const key = decoder.decode(ring.subarray(at + 6, at + 6 + keyLength));
    const n = view.getUint32(at + 6 + keyLength);
    const bodyAt = at + 10 + keyLength;
    const body = decoder.decode(ring.subarray(bodyAt, bodyAt + n));
    read += 10 + keyLength + n;
    send(id, key, body);
  }
  Atomics.store(ctrl, CTRL_READ, read);
}

async function watchRing() {
  for (;;) {
    drainRing();
    const seen = Atomics.load(ctrl, CTRL_WRITE);
    if (seen !== read) continue;
    const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(ctrl, CTRL_WRITE, seen);
    if (wait.async) await wait.value;
  }
}

parentPort!.on(
  'message',
  (msg: { headers: Record<string, string>; timeout: number; items: Array<number | string> }) => {
    if (headers === undefined) {
      headers = msg.headers;
      timeout = msg.timeout;
      void watchRing();
    }
    const items = msg.items;
    for (let i = 0; i < items.length; i += 3)
      send(items[i] as number, items[i + 1] as string, items[i + 2] as string);
  },
);
