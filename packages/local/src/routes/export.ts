import type { ServerResponse } from 'node:http';
import { CSV_HEADER, csvRecord } from '../csv.js';
import { eventJson } from '../eventJson.js';
import type { ExportCursor } from '../eventStore.js';
import { param, parseFilters } from '../filters.js';
import { HttpError } from '../httpError.js';
import type { RouteRequest } from './context.js';

const BATCH_SIZE = 500;

/**
 * `GET /v1/events/export`: every match, no paging, as a JSON array or CSV. Rows are read
 * in batches with the socket drained between them, so a large export neither holds the
 * whole result in memory nor blocks ingestion for its full length. Events stored after
 * the export began are left out, so the output is one consistent cut.
 */
export async function exportEvents({ res, ctx, key, query }: RouteRequest): Promise<void> {
  const format = (param(query, 'format') ?? 'json').toLowerCase();
  if (format !== 'json' && format !== 'csv') throw new HttpError(400, 'Invalid format: expected json or csv');
  const filters = parseFilters(query);
  const maxSeq = ctx.events.maxSeq();
  const csv = format === 'csv';
  res.writeHead(
    200,
    csv
      ? {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename=audit_logs.csv',
        }
      : { 'content-type': 'application/json; charset=utf-8' },
  );
  let cursor: ExportCursor | undefined;
  let chunk = csv ? CSV_HEADER : '[';
  for (;;) {
    const rows = ctx.events.exportBatch(key.account.id, filters, maxSeq, cursor, BATCH_SIZE);
    for (const row of rows) {
      chunk += csv ? csvRecord(row) : `${cursor ? ',' : ''}${eventJson(row)}`;
      cursor = row;
    }
    if (rows.length < BATCH_SIZE) break;
    if (!(await write(res, chunk))) return;
    chunk = '';
  }
  res.end(csv ? chunk : `${chunk}]`);
}

/** Writes and waits for the socket to take it; false when the client went away. */
function write(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.write(chunk)) return Promise.resolve(!res.destroyed);
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve(!res.destroyed);
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
