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
  const outcome = await ctx.commits.run(() => ctx.events.insert(args));
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

/** `GET /v1/events`: a page of matches, newest first, with the total ignoring paging. */
export function listEvents({ res, ctx, key, query }: RouteRequest): void {
  const filters = parseFilters(query);
  const paging = parsePaging(query);
  const { rows, total } = ctx.events.page(key.account.id, filters, paging);
  sendJson(
    res,
    200,
    `{"events":[${rows.map(eventJson).join(',')}],"total":${total},"limit":${paging.limit},"offset":${paging.offset}}`,
  );
}

/** `GET /v1/events/:id`: the same 404 for an unknown id and for another account's event. */
export function getEvent({ res, ctx, key, id }: RouteRequest): void {
  const row = ctx.events.findById(key.account.id, id);
  if (!row) throw new HttpError(404, 'Event not found');
  sendJson(res, 200, eventJson(row));
}
