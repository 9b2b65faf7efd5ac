/**
 * The mount prefix of a route as the app declared it (`app.use('/invoices', router)`), found by
 * walking the router stack down to the route that ran. Express matches mounts without regard
 * to case, so a prefix rebuilt from the URL would carry the request's casing (`/InVoIcEs`
 * recorded as `in_vo_ic_es.deleted`): the trail must name what the app wrote.
 */

export interface Layer {
  handle?: unknown;
  route?: unknown;
  /** Express 5 (router 2): the path given to `use()`. */
  rawPath?: unknown;
  /** Express 4: the path compiled by path-to-regexp 0.1, with its keys. */
  regexp?: unknown;
  keys?: { name: string | number }[];
}

// Per route object, from the lower-cased prefix rebuilt from the URL to the declared one.
const cache = new WeakMap<object, Map<string, string>>();
/** Distinct prefixes kept per route (a prefix with a param no segment matched varies per request). */
const maxPerRoute = 64;
const maxDepth = 16;

/**
 * The declared prefix matching `fromUrl` (the prefix rebuilt from the URL, `:name` where params
 * matched) case-insensitively; `fromUrl` itself when the declaration cannot be read (a RegExp
 * mount, a sub-app, a path pattern with wildcards).
 *
 * @example
 * declaredMountTemplate(req.app, req.route, '/InVoIcEs'); // '/invoices'
 */
export function declaredMountTemplate(app: unknown, route: unknown, fromUrl: string): string {
  if (fromUrl === '' || route === null || typeof route !== 'object') return fromUrl;
  const key = fromUrl.toLowerCase();
  let known = cache.get(route);
  const hit = known?.get(key);
  if (hit !== undefined) return hit;
  let declared: string | undefined;
  try {
    declared = find(rootStack(app), route, key);
  } catch {
    // A router shaped differently from the ones we know: keep the URL's form.
  }
  if (declared === undefined) return fromUrl;
  if (known === undefined) {
    known = new Map();
    cache.set(route, known);
  }
  if (known.size < maxPerRoute) known.set(key, declared);
  return declared;
}

/** The app's router stack: `app._router` in Express 4, `app.router` in Express 5. */
export function rootStack(app: unknown): unknown {
  const a = app as { _router?: { stack?: unknown }; router?: { stack?: unknown } } | undefined;
  // Express 4 keeps its router on `_router`; Express 5 on `router`.
  return (a?._router ?? a?.router)?.stack;
}

/** Depth-first: the prefix of every mount chain leading to `route`, the one equal to `key` wins. */
function find(stack: unknown, route: object, key: string, prefix = '', depth = 0): string | undefined {
  if (!Array.isArray(stack) || depth > maxDepth) return undefined;
  for (const layer of stack as Layer[]) {
    if (layer === null || typeof layer !== 'object') continue;
    if (layer.route === route) {
      if (prefix.toLowerCase() === key) return prefix;
      continue;
    }
    const inner = (layer.handle as { stack?: unknown } | null | undefined)?.stack;
    if (!Array.isArray(inner)) continue;
    for (const own of declaredPaths(layer)) {
      const next = prefix + own;
      // Only descend where the declared prefix can still become the URL's.
      if (!key.startsWith(next.toLowerCase())) continue;
      const found = find(inner, route, key, next, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

// Literal segments and `:name` params: what a prefix rebuilt from the URL can be compared to.
const plainPath = /^(?:\/(?::[A-Za-z_$][\w$]*|[\w\-.~%@!$&'+,;=]+))*$/;

/** A mount layer's declared path(s), `''` for the root, none when unreadable. */
export function declaredPaths(layer: Layer): string[] {
  const raw = layer.rawPath;
  if (typeof raw === 'string') return plain(raw);
  if (Array.isArray(raw)) return raw.flatMap((p) => (typeof p === 'string' ? plain(p) : []));
  if (raw !== undefined) return [];
  const regexp = layer.regexp;
  return regexp instanceof RegExp ? fromRegexp(regexp.source, layer.keys ?? []) : [];
}

function plain(path: string): string[] {
  const p = path.endsWith('/') ? path.slice(0, -1) : path;
  return plainPath.test(p) ? [p] : [];
}

/**
 * Express 4: reads a mount path back from path-to-regexp 0.1's output, `^\/orgs(?:\/([^/]+?))\/?(?=\/|$)`
 * for `/orgs/:orgId`. Anything but literal segments and plain `:name` params is left unread.
 */
function fromRegexp(source: string, keys: { name: string | number }[]): string[] {
  const suffix = '\\/?(?=\\/|$)';
  if (!source.startsWith('^') || !source.endsWith(suffix)) return [];
  let body = source.slice(1, -suffix.length);
  for (const key of keys) {
    if (typeof key.name !== 'string') return [];
    const group = '(?:\\/([^/]+?))';
    const at = body.indexOf(group);
    if (at === -1 || body[at + group.length] === '?') return [];
    body = `${body.slice(0, at)}/:${key.name}${body.slice(at + group.length)}`;
  }
  const path = body.replace(/\\([/.-])/g, '$1');
  return plain(path);
}
