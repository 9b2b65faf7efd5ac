import { AuditLedgeValidationError } from './errors.js';
import type { EventFilters, EventsOptions, QueryFilters, QueryResult, StoredEvent } from './types.js';

/** Events per request when `events()` is not told otherwise. */
export const DEFAULT_PAGE_SIZE = 100;
/** The API's own ceiling on `limit`. */
export const MAX_PAGE_SIZE = 1000;

/** Splits `events()`'s options into the filters sent and how to page, checking the paging ones. */
export function pagingOptions(options: EventsOptions | undefined): {
  filters: EventFilters;
  pageSize: number;
  signal: AbortSignal | undefined;
} {
  if (options === undefined) return { filters: {}, pageSize: DEFAULT_PAGE_SIZE, signal: undefined };
  if (options === null || typeof options !== 'object') {
    throw new AuditLedgeValidationError('filters', 'must be an object');
  }
  const { pageSize, limit, signal, ...filters } = options;
  if ('offset' in filters && (filters as QueryFilters).offset !== undefined) {
    throw new AuditLedgeValidationError('offset', 'is not a filter of events(): it pages by itself');
  }
  const size = pageSize ?? limit ?? DEFAULT_PAGE_SIZE;
  const field = pageSize !== undefined ? 'pageSize' : 'limit';
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new AuditLedgeValidationError(field, `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new AuditLedgeValidationError('signal', 'must be an AbortSignal');
  }
  return { filters, pageSize: size, signal };
}

/**
 * Every event matching `filters`, newest first, fetched `pageSize` at a time: a page is
 * requested only when the previous one has been consumed, so a loop that breaks stops the
 * requests.
 *
 * Pages are anchored on the events already seen, not on a plain offset, so events stored
 * while the loop runs cannot shift them: after the first page each request asks for events
 * up to the last timestamp yielded (`end_date`, inclusive), skipping by `offset` only the
 * events of that very timestamp that were yielded or that sort before them. The API orders
 * equal timestamps last stored first, so an event stored meanwhile with that timestamp sorts
 * before the ones yielded: it shows up as a repeat at the start of the next page, which is
 * dropped and counted so that later pages skip it too. So no event is yielded twice, none
 * that existed when the loop began is skipped, and an event stored meanwhile appears only
 * if it sorts among the pages still to come (a backdated one), never among those already read.
 */
export async function* pageThrough(
  fetchPage: (filters: QueryFilters) => Promise<QueryResult>,
  filters: EventFilters,
  pageSize: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<StoredEvent, void, undefined> {
  /** Timestamp of the last event yielded. */
  let boundary: string | undefined;
  /** Ids yielded with exactly that timestamp. */
  let yielded = new Set<string>();
  /** Events with that timestamp stored after the ones yielded, so sorting before them: skipped. */
  let newcomers = 0;
  for (;;) {
    signal?.throwIfAborted();
    const page = await fetchPage(
      boundary === undefined
        ? { ...filters, limit: pageSize, offset: 0 }
        : { ...filters, end_date: boundary, limit: pageSize, offset: yielded.size + newcomers },
    );
    signal?.throwIfAborted();
    const events = Array.isArray(page?.events) ? page.events : [];
    for (const event of events) {
      if (event.timestamp === boundary) {
        if (yielded.has(event.id)) {
          newcomers++;
          continue;
        }
      } else {
        boundary = event.timestamp;
        yielded = new Set();
        newcomers = 0;
      }
      yielded.add(event.id);
      yield event;
      signal?.throwIfAborted();
    }
    // A page shorter than the limit the API says it applied is the last one. The API may
    // apply a smaller limit than asked (the local API caps a page's bytes) and say so.
    const applied = typeof page?.limit === 'number' && page.limit > 0 ? page.limit : pageSize;
    if (events.length === 0 || events.length < applied) return;
  }
}
