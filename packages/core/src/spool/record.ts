import { crc32 } from 'node:zlib';

/**
 * The spool's on-disk record: `[u32 length][u32 crc32 of payload][payload]`, little-endian,
 * payload = `[u8 type][u8 id length][id (ASCII)][body (UTF-8, events only)]`. The checksum is
 * what lets a reader tell a torn write (a crash in the middle of an append) or garbage from a
 * record, so a bad tail is skipped instead of replayed.
 */
export const HEADER = 8;
export const EVENT = 1;
export const ACK = 2;

/** Bytes of an event record, header included. `id` is visible ASCII (checked at enqueue). */
export function eventRecordBytes(id: string, bodyBytes: number): number {
  return HEADER + 2 + id.length + bodyBytes;
}

export function ackRecordBytes(id: string): number {
  return HEADER + 2 + id.length;
}

/** Writes one record at `offset`; returns the offset after it. */
export function writeRecord(
  buf: Buffer,
  offset: number,
  type: number,
  id: string,
  body: string | undefined,
): number {
  const start = offset + HEADER;
  let end = start;
  buf[end++] = type;
  buf[end++] = id.length;
  end += buf.write(id, end, 'latin1');
  if (body !== undefined) end += buf.write(body, end, 'utf8');
  buf.writeUInt32LE(end - start, offset);
  buf.writeUInt32LE(crc32(buf.subarray(start, end)), offset + 4);
  return end;
}

export interface ParsedRecord {
  type: number;
  id: string;
  /** Events only. */
  body: string | undefined;
  /** Offset of the next record. */
  next: number;
}

/**
 * Reads the record at `offset` of `buf`: `undefined` when `buf` ends before the record does
 * (read more, or a truncated tail), `null` when what is there is not a record (bad checksum,
 * impossible length or type).
 */
export function readRecord(buf: Buffer, offset: number, end = buf.length): ParsedRecord | undefined | null {
  if (end - offset < HEADER) return undefined;
  const length = buf.readUInt32LE(offset);
  if (length < 2 || length > MAX_PAYLOAD) return null;
  const start = offset + HEADER;
  if (end - start < length) return undefined;
  const payload = buf.subarray(start, start + length);
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return null;
  const type = payload[0];
  const idLength = payload[1] ?? 0;
  if ((type !== EVENT && type !== ACK) || idLength === 0 || 2 + idLength > length) return null;
  if (type === ACK && 2 + idLength !== length) return null;
  const id = payload.toString('latin1', 2, 2 + idLength);
  const body = type === EVENT ? payload.toString('utf8', 2 + idLength) : undefined;
  return { type, id, body, next: start + length };
}

/** Far above any event (maxEventBytes is in the KiB), so a garbage length is caught at once. */
export const MAX_PAYLOAD = 64 * 1024 * 1024;
