import { eventJson } from '../eventJson.js';
import { MAX_PAGE_CHARS, parseFilters, parsePaging } from '../filters.js';
import { readJsonBody, sendJson } from '../http.js';
import { HttpError } from '../httpError.js';
import { streamRows } from '../streamRows.js';
import { validateEvent } from '../validateEvent.js';
import type { RouteRequest } from './context.js';

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** `POST /v1/events`: 201 with the stored event, also for a repeated `Idempotency-Key`. */
export async function createEvent({ req, res, ctx, key }: RouteRequest): Promise<void> {
  const input = validateEvent(await readJsonBody(req));
  const args = {
    account: key.account,
    keyId: key.keyId,
    input,
    idempotencyKey: idempotencyKey(req.headers['idempotency-key']),
    now: ctx.clock(),
  };
  const outcome = await ctx.commits.run(() =>
    // Checked again here, in the same tick as the insert: the key may have been revoked
    // while the body was arriving, and a revoked key must store nothing from then on.
    key.revoked ? ({ kind: 'revoked' } as const) : ctx.events.insert(args),
  );
  if (outcome.kind === 'revoked') throw new HttpError(401, 'Invalid API key');
  if (outcome.kind === 'limit') throw new HttpError(429, 'Monthly event limit reached');
  sendJson(res, 201, `{"success":true,"event":${eventJson(outcome.row)}}`);
}

function idempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new HttpError(
      400,
      `Invalid Idempotency-Key header: expected 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    );
  }
  return header;
}

/**
 * `GET /v1/events`: a page of matches, newest first, with the total ignoring paging.
 * Streamed from the cursor (see streamRows). A page also stops after about
 * `MAX_PAGE_CHARS` of events, and then reports the smaller `limit` it applied, so
 * `offset + limit` is always where the next page starts.
 */
export async function listEvents({ res, ctx, key, query }: RouteRequest): Promise<void> {
  const filters = parseFilters(query);
  const { limit, offset } = parsePaging(query);
  const maxSeq = ctx.events.maxSeq();
  const total = ctx.events.count(key.account.id, filters, maxSeq);
  await streamRows(res, {
    events: ctx.events,
    key,
    filters,
    maxSeq,
    offset,
    maxRows: limit,
    maxChars: MAX_PAGE_CHARS,
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    head: '{"events":[',
    render: (row, i) => (i === 0 ? eventJson(row) : `,${eventJson(row)}`),
    tail: (count, cut) =>
      `],"total":${total},"limit":${cut && count < limit ? count : limit},"offset":${offset}}`,
  });
}

/** `GET /v1/events/:id`: the same 404 for an unknown id and for another account's event. */
export function getEvent({ res, ctx, key, id }: RouteRequest): void {
  const row = ctx.events.findById(key.account.id, id);
  if (!row) throw new HttpError(404, 'Event not found');
  sendJson(res, 200, eventJson(row));
}
