import { CSV_HEADER, csvRecord } from '../csv.js';
import { eventJson } from '../eventJson.js';
import { param, parseFilters } from '../filters.js';
import { HttpError } from '../httpError.js';
import { streamRows } from '../streamRows.js';
import type { RouteRequest } from './context.js';

/**
 * `GET /v1/events/export`: every match, no paging, as a JSON array or CSV, streamed from
 * the cursor with backpressure (see streamRows): memory stays flat whatever the export's
 * size, and ingestion runs between chunks. Events stored after the export began are left
 * out, so the output is one consistent cut.
 */
export async function exportEvents({ res, ctx, key, query }: RouteRequest): Promise<void> {
  const format = (param(query, 'format') ?? 'json').toLowerCase();
  if (format !== 'json' && format !== 'csv') throw new HttpError(400, 'Invalid format: expected json or csv');
  const filters = parseFilters(query);
  const csv = format === 'csv';
  await streamRows(res, {
    events: ctx.events,
    key,
    filters,
    maxSeq: ctx.events.maxSeq(),
    offset: 0,
    maxRows: Number.POSITIVE_INFINITY,
    maxChars: Number.POSITIVE_INFINITY,
    status: 200,
    headers: csv
      ? {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename=audit_logs.csv',
        }
      : { 'content-type': 'application/json; charset=utf-8' },
    head: csv ? CSV_HEADER : '[',
    render: csv ? csvRecord : (row, i) => (i === 0 ? eventJson(row) : `,${eventJson(row)}`),
    tail: () => (csv ? '' : ']'),
  });
}
