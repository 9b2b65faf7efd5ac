import { DeclaredRoutes } from '@auditledge/core/adapter';

/**
 * The route templates of the app, for a create whose response names several ids (core's
 * `DeclaredRoutes` picks the one its item routes use). Nest registers every route on the
 * platform instance with its full path: Fastify tells an `onRoute` hook, added here before
 * Nest registers its routes; Express keeps them in its router stack, read when first needed.
 */
export function declaredRoutesOf(type: string | undefined, instance: unknown): DeclaredRoutes {
  if (type === 'fastify') {
    const templates: string[] = [];
    const fastify = instance as {
      addHook?: (name: string, hook: (route: { url?: unknown }) => void) => void;
    };
    try {
      fastify.addHook?.('onRoute', function collectTemplate(route) {
        if (typeof route.url === 'string') templates.push(route.url);
      });
    } catch {
      // A Fastify instance already started: creates keep the documented id order.
    }
    return new DeclaredRoutes(() => templates);
  }
  return new DeclaredRoutes(() => expressTemplates(instance));
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
