// A Nest application listening on loopback, as the fault and property suites start them.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface NestApp {
  listen(port: number, host: string): Promise<unknown>;
  getHttpServer(): unknown;
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1; `close()` cuts open connections, then closes the app. */
export async function listenNest(app: NestApp): Promise<{ url: string; close(): Promise<void> }> {
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await app.close();
    },
  };
}
