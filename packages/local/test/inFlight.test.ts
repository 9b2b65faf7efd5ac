import { type ClientRequest, request } from 'node:http';
import { describe, expect, test } from 'vitest';
import type { StoredEvent } from '../src/index.js';
import { MAX_METADATA_DEPTH } from '../src/validateEvent.js';
import { call, eventBody, start } from './helpers.js';

/**
 * Starts `POST /v1/events` with `Expect: 100-continue` and resolves once the server has
 * answered 100 Continue: by then it has parsed the headers and authenticated the key,
 * but not seen a byte of the body.
 */
function startUpload(url: string, key: string, body: string): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
      },
    });
    req.on('continue', () => resolve(req));
    req.on('error', reject);
    req.flushHeaders();
  });
}

const statusOf = (req: ClientRequest): Promise<number> =>
  new Promise((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });

describe('requests in flight', () => {
  test('a key revoked while uploads are in flight stores none of them', async () => {
    const server = await start();
    const key = server.createApiKey();
    const body = JSON.stringify(eventBody());
    const uploads = await Promise.all(Array.from({ length: 50 }, () => startUpload(server.url, key, body)));
    expect(server.revokeApiKey(key)).toBe(true);
    const statuses = uploads.map(statusOf);
    for (const upload of uploads) upload.end(body);
    expect(await Promise.all(statuses)).toEqual(Array(50).fill(401));
    // The account's other key sees nothing stored.
    expect((await call<StoredEvent[]>(server, '/v1/events/export')).json).toEqual([]);
  });

  test('clients that hang up mid-upload are not internal errors', async () => {
    const errors: unknown[] = [];
    const server = await start({ onError: (err) => errors.push(err) });
    const body = JSON.stringify(eventBody({ metadata: { pad: 'p'.repeat(100_000) } }));
    await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<void>((resolve) => {
            // Half the body, then the client hangs up, while the server is reading it.
            const upload = request(`${server.url}/v1/events`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${server.apiKey}`,
                'content-length': Buffer.byteLength(body),
                expect: '100-continue',
              },
            });
            upload.on('continue', () => upload.write(body.slice(0, 50_000), () => upload.destroy()));
            upload.on('error', () => {});
            upload.on('close', resolve);
            upload.flushHeaders();
          }),
      ),
    );
    // close() resolves once every connection is gone, so every hang-up has been handled.
    await server.close();
    expect(errors).toEqual([]);
  });

  test(`metadata nested deeper than ${MAX_METADATA_DEPTH} levels is a 400 naming the field, not a 500`, async () => {
    const errors: unknown[] = [];
    const server = await start({ onError: (err) => errors.push(err) });
    const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
    const post = (metadata: string) =>
      call(server, '/v1/events', {
        method: 'POST',
        body: `{"actor":{"id":"u"},"action":"a","resource":{"type":"t","id":"r"},"metadata":${metadata}}`,
      });
    expect((await post(nested(MAX_METADATA_DEPTH))).status).toBe(201);
    const deep = await post(nested(MAX_METADATA_DEPTH + 1));
    expect(deep.status).toBe(400);
    expect(deep.json).toEqual({
      error: `Invalid field: metadata must be nested at most ${MAX_METADATA_DEPTH} levels deep`,
    });
    // Deeper than JSON.stringify can recurse, within the 1 MiB body limit.
    const arrays = await post(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    expect(arrays.status).toBe(400);
    expect(errors).toEqual([]);
  });
});
