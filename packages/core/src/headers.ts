declare const __AUDITLEDGE_VERSION__: string | undefined;
/** Written in by the build (tsup's `define`) from package.json; tests on the sources see vitest's. */
const VERSION = typeof __AUDITLEDGE_VERSION__ === 'string' ? __AUDITLEDGE_VERSION__ : 'source';

/** The headers of every API request: `Authorization` for the current key, and the User-Agent. */
export class RequestHeaders {
  #authorization: string;
  readonly #userAgent: string;

  constructor(apiKey: string, userAgent: string | undefined) {
    this.#authorization = `Bearer ${apiKey}`;
    this.#userAgent = `auditledge-node/${VERSION}${userAgent ? ` ${userAgent}` : ''}`;
  }

  /** `setApiKey()`: every later request carries the new key. */
  setApiKey(apiKey: string): void {
    this.#authorization = `Bearer ${apiKey}`;
  }

  /** A GET's headers. */
  read(): Record<string, string> {
    return {
      authorization: this.#authorization,
      'user-agent': this.#userAgent,
      accept: 'application/json',
    };
  }

  /** A `POST /v1/events`'s headers; the key is the event's id, the same on every retry. */
  event(idempotencyKey: string): Record<string, string> {
    return {
      authorization: this.#authorization,
      'user-agent': this.#userAgent,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
    };
  }
}
