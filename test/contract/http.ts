// The contract's HTTP client: real requests on loopback, one connection each.
import { request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request; a `body` goes as JSON. */
export function send(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  // A length, never chunked: Node sends a DELETE's body without framing otherwise.
  const framing =
    payload === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { ...framing, ...headers } });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.end(payload);
  });
}

/** Sends a request and hangs up once `started` resolves (the handler is running). */
export async function sendAndHangUp(url: string, method: string, path: string, started: Promise<void>) {
  const req = request(`${url}${path}`, { method, agent: false });
  req.on('error', () => {});
  req.on('response', () => {
    throw new Error('the request was answered before the client hung up');
  });
  req.end();
  await started;
  await new Promise<void>((resolve) => {
    req.once('close', () => resolve());
    req.destroy();
  });
}

/** A promise and its resolver, to step a handler from the test. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
