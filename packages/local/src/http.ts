import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGoneError, HttpError } from './httpError.js';

/** The largest `POST /v1/events` body accepted: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

// Up to this size an oversized body is read and discarded, so the client, still busy
// sending, gets a clean 413 instead of a reset; beyond it the connection is cut.
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

const TOO_LARGE = 'Request body too large (limit 1 MiB)';

/**
 * Reads and parses a JSON body. An empty body parses as `{}`, which validation then
 * reports as `Missing required fields`, like the hosted API.
 *
 * @example
 * const body = await readJsonBody(req);
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > DRAIN_LIMIT_BYTES) throw new HttpError(413, TOO_LARGE, { connection: 'close' });
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) reject(new HttpError(413, TOO_LARGE, { connection: 'close' }));
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, TOO_LARGE));
      else
        resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    // A socket closed before the end of the body is the client hanging up, not a failure of ours.
    req.on('error', () => reject(new ClientGoneError()));
  });
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Malformed JSON body');
  }
}

/** Sends a JSON text that is already serialised. */
export function sendJson(
  res: ServerResponse,
  status: number,
  json: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

/** Sends `{ error }`; anything that is not an `HttpError` becomes a 500 with no detail. */
export function sendError(res: ServerResponse, err: unknown): void {
  const known = err instanceof HttpError ? err : new HttpError(500, 'Internal server error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, known.status, JSON.stringify({ error: known.message }), { ...known.headers });
}
