import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { onResponseClose } from '../../src/adapter/onResponseClose.js';

/** One real request; `handle` gets the server's response and resolves with what it observed. */
async function withResponse<T>(handle: (res: ServerResponse) => Promise<T>): Promise<T> {
  let result!: Promise<T>;
  const server = createServer((_req, res) => {
    result = handle(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    const req = request({ port, host: '127.0.0.1' }, (res) => res.resume().on('end', resolve));
    req.on('error', resolve);
    req.end();
  });
  const value = await result;
  server.close();
  return value;
}

test('fires once, with the response as this, after a response is sent', async () => {
  const calls = await withResponse(
    (res) =>
      new Promise<ServerResponse[]>((resolve) => {
        const seen: ServerResponse[] = [];
        onResponseClose(res, function (this: ServerResponse) {
          seen.push(this);
          setImmediate(() => resolve(seen));
        });
        res.end('ok');
      }),
  );
  expect(calls).toHaveLength(1);
  expect(calls[0]!.writableEnded).toBe(true);
});

test('a response already closed is reported on the next tick', async () => {
  const seen = await withResponse(
    (res) =>
      new Promise<string>((resolve) => {
        res.end('ok');
        res.on('close', () => {
          let sync = true;
          onResponseClose(res, () => resolve(sync ? 'sync' : 'async'));
          sync = false;
        });
      }),
  );
  expect(seen).toBe('async');
});
