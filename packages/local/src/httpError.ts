/** A failure with the status and message the client receives as `{ error }`. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

/**
 * The client went away before its request was read (a hang-up mid-upload). Nothing can be
 * answered and nothing is wrong with the server, so it is neither answered nor reported.
 */
export class ClientGoneError extends Error {
  constructor() {
    super('The client closed the connection before the request was read');
    this.name = 'ClientGoneError';
  }
}
