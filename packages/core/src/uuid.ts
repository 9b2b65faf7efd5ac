import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one syscall per 512 ids instead of one per id,
// which keeps `enqueue()` well above a million calls a second.
const POOL_IDS = 512;
const pool = Buffer.allocUnsafe(POOL_IDS * 10);
let poolOffset = pool.length;

const hex: string[] = [];
for (let i = 0; i < 256; i++) hex.push(i.toString(16).padStart(2, '0'));

let lastMs = 0;
let seq = 0;
/** The id's first 14 characters (`xxxxxxxx-xxxx-`) for the millisecond `prefixMs`. */
let prefixMs = -1;
let prefix = '';

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness, so ids sort by
 * creation time. Within one millisecond a 12-bit counter keeps them increasing.
 * `now` lets a caller that has just read the clock share that reading.
 */
export function uuidv7(now: number = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  poolOffset += 10;
  let ms = now;
  if (ms <= lastMs) {
    seq = (seq + 1) & 0xfff;
    if (seq === 0) lastMs++; // counter wrapped: borrow the next millisecond
    ms = lastMs;
  } else {
    lastMs = ms;
    seq = pool[o]! | ((pool[o + 1]! & 0x07) << 8); // random start, top bit clear leaves room to count
  }
  if (ms !== prefixMs) {
    const msHi = Math.floor(ms / 0x10000);
    const msLo = ms % 0x10000;
    prefix = `${hex[(msHi >>> 24) & 0xff]}${hex[(msHi >>> 16) & 0xff]}${hex[(msHi >>> 8) & 0xff]}${hex[msHi & 0xff]}-${hex[msLo >>> 8]}${hex[msLo & 0xff]}-`;
    prefixMs = ms;
  }
  // The millisecond's part is one string made once per millisecond, not six pieces per id.
  return (
    prefix +
    hex[0x70 | (seq >>> 8)]! +
    hex[seq & 0xff]! +
    '-' +
    hex[0x80 | (pool[o + 2]! & 0x3f)]! +
    hex[pool[o + 3]!]! +
    '-' +
    hex[pool[o + 4]!]! +
    hex[pool[o + 5]!]! +
    hex[pool[o + 6]!]! +
    hex[pool[o + 7]!]! +
    hex[pool[o + 8]!]! +
    hex[pool[o + 9]!]!
  );
}
