import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditLedge } from '@auditledge/core';

export const FRAMEWORKS = ['express', 'koa', 'fastify', 'nestjs'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** An example app listening on a free loopback port. */
export interface RunningApp {
  url: string;
  /** Stops accepting connections and resolves once the open ones have finished. */
  close(): Promise<void>;
}

/**
 * Builds the example app of `framework` with `createApp({ client })`, the function its
 * `server.ts` uses, and listens on port 0.
 */
export async function startApp(framework: Framework, client: AuditLedge): Promise<RunningApp> {
  switch (framework) {
    case 'express': {
      const { createApp } = await import('../../examples/express/src/app.js');
      return listen(createApp({ client }).listen(0, '127.0.0.1'));
    }
    case 'koa': {
      const { createApp } = await import('../../examples/koa/src/app.js');
      return listen(createApp({ client }).listen(0, '127.0.0.1'));
    }
    case 'fastify': {
      const { createApp } = await import('../../examples/fastify/src/app.js');
      const app = await createApp({ client });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      return { url, close: () => app.close() };
    }
    case 'nestjs': {
      const { createApp } = await import('../../examples/nestjs/src/app.js');
      const app = await createApp({ client });
      await app.listen(0, '127.0.0.1');
      const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
      // app.close() closes the server, then flushes the client (the module's shutdown hook).
      return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
    }
  }
}

async function listen(server: Server): Promise<RunningApp> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve).once('error', reject);
    });
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
