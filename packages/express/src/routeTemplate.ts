import { declaredMountTemplate } from './declaredMount.js';
import type { ExpressRequestAudit, Mount } from './expressRequestAudit.js';

/**
 * The full template of the route that ran, mount prefixes included: `/orgs/:orgId/invoices/:id`
 * for `app.use('/orgs/:orgId', router)` + `router.use('/invoices', invoices)` + `invoices.delete('/:id')`.
 * Each mount's actual path is turned back into a template by putting `:name` where its params
 * matched, then replaced by the mount path as the app declared it (Express matches mounts
 * whatever their case: the URL's casing must not name the resource). `undefined` when no route ran.
 */
export function routeTemplate(state: ExpressRequestAudit, app: unknown): string | undefined {
  const path = state.routePath;
  if (path === undefined) return undefined;
  const fromUrl = mountTemplate(state.routeMount);
  const prefix = fromUrl === '' ? '' : declaredMountTemplate(app, state.routeObject, fromUrl);
  if (prefix === '') return path;
  return path === '/' ? prefix : prefix + path;
}

/** Params of the route and of every mount level above it (a router without `mergeParams` hides those). */
export function routeParams(state: ExpressRequestAudit): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  collect(state.routeMount, out);
  copyParams(state.routeParams, out);
  return out;
}

function mountTemplate(mount: Mount | undefined): string {
  if (mount === undefined) return '';
  const parent = mount.parent;
  const own = mount.url.slice(parent?.url.length ?? 0);
  return mountTemplate(parent) + templatize(own, mount.params, parent?.params);
}

function collect(mount: Mount | undefined, out: Record<string, unknown>): void {
  if (mount === undefined) return;
  collect(mount.parent, out);
  copyParams(mount.params, out);
}

// A value `app.param()` replaced with a loaded record is passed on as it is: core reads it back
// from the path (`String()` would store "[object Object]").
function copyParams(params: Record<string, unknown> | undefined, out: Record<string, unknown>): void {
  if (params === undefined || params === null) return;
  for (const key of Object.keys(params)) {
    const value = params[key];
    if (key === '__proto__' || value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join('/') : value;
  }
}

/** `/orgs/42` with `{ orgId: '42' }` -> `/orgs/:orgId`, matching from the end, params in reverse order. */
function templatize(
  path: string,
  params: Record<string, unknown> | undefined,
  inherited: Record<string, unknown> | undefined,
): string {
  if (params === undefined || params === null) return path;
  const keys = Object.keys(params).filter((key) => inherited?.[key] !== params[key]);
  if (keys.length === 0) return path;
  const parts = path.split('/');
  let from = parts.length - 1;
  for (let k = keys.length - 1; k >= 0; k--) {
    const key = keys[k]!;
    const value = params[key];
    if (typeof value !== 'string') continue;
    for (let i = from; i > 0; i--) {
      if (parts[i] === value || decode(parts[i]!) === value) {
        parts[i] = `:${key}`;
        from = i - 1;
        break;
      }
    }
  }
  return parts.join('/');
}

function decode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
