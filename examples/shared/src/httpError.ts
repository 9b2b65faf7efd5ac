/** An error with the HTTP status to answer with; each app's error handler turns it into `{ error }`. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** The status and JSON body to answer an error with: an `HttpError` as it says, anything else a 500. */
export function errorResponse(err: unknown): { status: number; body: { error: string } } {
  if (err instanceof HttpError) return { status: err.status, body: { error: err.message } };
  // Body parsers (Express, Koa, Fastify) flag malformed JSON with a 4xx `status`/`statusCode`.
  const status =
    (err as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { error: (err as Error).message } };
  }
  return { status: 500, body: { error: 'Internal server error' } };
}
