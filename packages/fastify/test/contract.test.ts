// The adapter contract (test/contract) on Fastify: the factory that builds its apps.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { expect } from 'vitest';
import {
  byMount,
  type ContractAdapter,
  contractSuite,
  failure,
  onClose,
  type Route,
  userFrom,
} from '../../../test/contract/index.js';
import { auditledge } from '../src/index.js';

function handler(route: Route) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    if (route.fail !== undefined && route.fail.async !== true) throw failure(route.fail.status);
    return (async () => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      await route.work?.({ handle: request.audit, body, onClientClose: onClose(reply.raw) });
      if (route.fail !== undefined) throw failure(route.fail.status);
      return reply
        .code(route.status ?? 200)
        .headers(route.headers ?? {})
        .send(route.body);
    })();
  };
}

function declare(instance: FastifyInstance, routes: Route[]): void {
  for (const route of routes) {
    instance.route({
      method: route.method,
      url: route.path,
      ...(route.spec === undefined ? {} : { config: { audit: route.spec as never } }),
      handler: handler(route),
    });
  }
}

/** A plugin per mount prefix, each registered inside the one before. */
function mounted(rest: string[], routes: Route[]) {
  return async (instance: FastifyInstance) => {
    if (rest[0] === undefined) declare(instance, routes);
    else await instance.register(mounted(rest.slice(1), routes), { prefix: rest[0] });
  };
}

const adapter: ContractAdapter = {
  name: 'fastify',
  // Fastify always assigns request.id (its genReqId), which wins over the client's header.
  requestIdFor: () => expect.stringMatching(/^req-/),
  async start({ options, routes }) {
    const app = Fastify();
    app.decorateRequest('user', null);
    app.addHook('onRequest', async (request) => {
      const user = userFrom(request.headers['x-user']);
      if (user !== undefined) Object.assign(request, { user });
    });
    try {
      if (options !== false) {
        if (options === undefined) await app.register(auditledge);
        else await app.register(auditledge, options as never);
      }
      for (const [mount, group] of byMount(routes)) {
        if (mount[0] === undefined) declare(app, group);
        else await app.register(mounted(mount.slice(1), group), { prefix: mount[0] });
      }
      await app.listen({ port: 0, host: '127.0.0.1' });
    } catch (err) {
      await app.close();
      throw err;
    }
    let closed: Promise<void> | undefined;
    const close = () => (closed ??= app.close());
    return {
      url: `http://127.0.0.1:${app.server.address() && (app.server.address() as { port: number }).port}`,
      shutdown: close,
      close: () => {
        app.server.closeAllConnections();
        return close();
      },
    };
  },
};

contractSuite(adapter);
