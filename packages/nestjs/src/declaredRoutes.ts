import { DeclaredRoutes } from '@auditledge/core/adapter';

/** What the module knows of Nest's HTTP adapter (`HttpAdapterHost.httpAdapter`), when it knows it. */
export interface HttpAdapterRef {
  readonly httpAdapter?: { getType?(): string; getInstance?(): unknown } | undefined;
}

/**
 * The route templates of the app, for a create whose response names several ids (core's
 * `DeclaredRoutes` picks the one its item routes use). Nest registers every route on the
 * platform instance with its full path. Fastify tells an `onRoute` hook, added here when the
 * adapter is already known (`NestFactory.create()`; with `@nestjs/testing`'s `compile()` it is
 * not yet, and creates then keep the documented id order). Express keeps its routes in its
 * router stack, read when a create first needs them.
 */
export function declaredRoutesOf(host: HttpAdapterRef | null | undefined): DeclaredRoutes {
  const adapter = host?.httpAdapter;
  if (adapter?.getType?.() === 'fastify') {
    const templates: string[] = [];
    const fastify = adapter.getInstance?.() as
      | { addHook?: (name: string, hook: (route: { url?: unknown }) => void) => void }
      | undefined;
    try {
      fastify?.addHook?.('onRoute', function collectTemplate(route) {
        if (typeof route.url === 'string') templates.push(route.url);
      });
    } catch {
      // A Fastify instance already started: creates keep the documented id order.
    }
    return new DeclaredRoutes(() => templates);
  }
  // Read late: with @nestjs/testing the adapter is set after the module's providers are made.
  return new DeclaredRoutes(() => expressTemplates(host?.httpAdapter?.getInstance?.()));
}

interface Layer {
  route?: { path?: unknown };
}

function* expressTemplates(app: unknown): Generator<string> {
  const a = app as { _router?: { stack?: unknown }; router?: { stack?: unknown } } | undefined;
  // Express 4 keeps its router on `_router`; Express 5 on `router`.
  const stack = (a?._router ?? a?.router)?.stack;
  if (!Array.isArray(stack)) return;
  for (const layer of stack as Layer[]) {
    const path = layer?.route?.path;
    if (typeof path === 'string') yield path;
    else if (Array.isArray(path)) for (const p of path) if (typeof p === 'string') yield p;
  }
}
