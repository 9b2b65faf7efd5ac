// The adapter contract (test/contract) on Koa with @koa/router: the factory that builds its apps.
import Router from '@koa/router';
import Koa from 'koa';
import {
  byMount,
  type ContractAdapter,
  contractSuite,
  failure,
  listening,
  onClose,
  type Route,
  userFrom,
} from '../../../test/contract/index.js';
import { audit, auditMiddleware } from '../src/index.js';

type Verb = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Middleware = (ctx: Koa.Context, next: () => Promise<unknown>) => unknown;

function handlers(route: Route): Middleware[] {
  const declared: Middleware[] = route.spec === undefined ? [] : [audit(route.spec as never) as Middleware];
  const handler = (ctx: Koa.Context) => {
    if (route.fail !== undefined && route.fail.async !== true) throw failure(route.fail.status);
    return (async () => {
      const body = ((ctx.request as { body?: unknown }).body ?? {}) as Record<string, unknown>;
      await route.work?.({ handle: ctx.state.audit, body, onClientClose: onClose(ctx.res) });
      if (route.fail !== undefined) throw failure(route.fail.status);
      ctx.status = route.status ?? 200;
      ctx.set(route.headers ?? {});
      if (route.body !== undefined) ctx.body = route.body;
    })();
  };
  return [...declared, handler];
}

/** A JSON body reader in place of koa-bodyparser, which sets `ctx.request.body` the same way. */
async function jsonBody(ctx: Koa.Context): Promise<unknown> {
  if (!ctx.is('application/json')) return undefined;
  let text = '';
  for await (const chunk of ctx.req) text += chunk;
  return text === '' ? undefined : JSON.parse(text);
}

const adapter: ContractAdapter = {
  name: 'koa',
  requestIdFor: (sent) => sent,
  async start({ options, routes }) {
    const app = new Koa();
    // The failing routes' errors are expected: Koa would print each one.
    app.silent = true;
    app.use(async (ctx, next) => {
      const user = userFrom(ctx.get('x-user'));
      if (user !== undefined) ctx.state.user = user;
      (ctx.request as { body?: unknown }).body = await jsonBody(ctx);
      await next();
    });
    const middleware = options === false ? undefined : auditMiddleware(options as never);
    if (middleware !== undefined) app.use(middleware);
    for (const [mount, group] of byMount(routes)) {
      let router = new Router(mount.length === 1 ? { prefix: mount[0]! } : {});
      for (const route of group)
        (router[route.method.toLowerCase() as Verb] as (path: string, ...m: Middleware[]) => void)(
          route.path,
          ...handlers(route),
        );
      for (let i = mount.length - 1; i >= 1; i--) {
        const parent = new Router(i === 1 ? { prefix: mount[0]! } : {});
        parent.use(mount[i]!, router.routes(), router.allowedMethods());
        router = parent;
      }
      app.use(router.routes()).use(router.allowedMethods());
    }
    return listening(app.listen(0, '127.0.0.1'), async () => middleware?.client.shutdown());
  },
};

contractSuite(adapter);
