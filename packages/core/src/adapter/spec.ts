import { AuditLedgeValidationError } from '../errors.js';
import type { RouteAuditSpec } from './types.js';

/**
 * A `RouteAuditSpec` after validation: what the recorder reads, per field, at the end of a
 * request. A route's declaration is one of these, or `false` when the route opts out.
 */
export interface ResolvedSpec<Req> {
  readonly action: RouteAuditSpec<Req>['action'];
  readonly actor: RouteAuditSpec<Req>['actor'];
  readonly resource: RouteAuditSpec<Req>['resource'];
  readonly organization: RouteAuditSpec<Req>['organization'];
  readonly metadata: RouteAuditSpec<Req>['metadata'];
  readonly skip: RouteAuditSpec<Req>['skip'];
}

/**
 * Validates the spec keys of an options object or a per-route spec, naming the wrong one.
 * Called at setup time, never on the request path.
 *
 * @example
 * resolveSpec({ action: 'invoice.deleted', resource: (req) => ({ id: req.body.id }) }, 'spec');
 */
export function resolveSpec<Req>(spec: RouteAuditSpec<Req> | undefined, where: string): ResolvedSpec<Req> {
  const s = spec ?? {};
  if (typeof s !== 'object' || s === null) {
    throw new AuditLedgeValidationError(where, 'must be an object');
  }
  check(s.action, `${where}.action`, (v) => typeof v === 'string' && v !== '', 'a non-empty string');
  check(s.actor, `${where}.actor`, (v) => ['string', 'number', 'object'].includes(typeof v), 'an actor');
  check(s.resource, `${where}.resource`, (v) => typeof v === 'string' || isObject(v), 'an object or a type');
  check(
    s.organization,
    `${where}.organization`,
    (v) => v === null || ['string', 'number', 'bigint', 'object'].includes(typeof v),
    'an id',
  );
  check(s.metadata, `${where}.metadata`, isObject, 'an object');
  check(s.skip, `${where}.skip`, (v) => typeof v === 'boolean', 'a boolean');
  return {
    action: s.action,
    actor: s.actor,
    resource: s.resource,
    organization: s.organization,
    metadata: s.metadata,
    skip: s.skip,
  };
}

/**
 * The spec keys, each derived when not given: the one list of their names (a key added to
 * `RouteAuditSpec` is a compile error here until listed).
 */
export const SPEC_DEFAULTS = {
  action: undefined,
  actor: undefined,
  resource: undefined,
  organization: undefined,
  metadata: undefined,
  skip: undefined,
} as const satisfies { readonly [K in keyof RouteAuditSpec]-?: unknown };

/** The keys of a per-route spec, for the error a misspelt one gets. */
export const SPEC_KEYS = Object.keys(SPEC_DEFAULTS) as readonly (keyof RouteAuditSpec)[];

/** Where a per-route spec was declared, for its errors: `config.audit` of `POST /invoices`. */
export interface SpecSource {
  /** The field the spec sits in. @default 'audit() spec' */
  field?: string | undefined;
  /** The route, named in every error: `POST /invoices/:id`. */
  route?: string | undefined;
}

/**
 * Reads the arguments of `audit()`: `audit('invoice.deleted')`, `audit('invoice.deleted', spec)`,
 * `audit(spec)` or `audit(false)` (opt the route out). A key that is not a spec key (`acton`)
 * is refused, naming it: a typo must not silently fall back to the defaults.
 *
 * @example
 * resolveRouteSpec('invoice.deleted', { resource: (req) => ({ id: req.params.id }) });
 */
export function resolveRouteSpec<Req>(
  actionOrSpec: string | RouteAuditSpec<Req> | false | undefined,
  spec?: RouteAuditSpec<Req>,
  source: SpecSource = {},
): ResolvedSpec<Req> | false {
  const field = source.field ?? 'audit() spec';
  try {
    if (actionOrSpec === false) return false;
    if (typeof actionOrSpec === 'string') {
      if (spec !== undefined && (typeof spec !== 'object' || spec === null)) {
        throw new AuditLedgeValidationError(field, 'must be an object');
      }
      checkSpecKeys(spec, field);
      return resolveSpec({ ...spec, action: actionOrSpec }, field);
    }
    if (actionOrSpec !== undefined && (typeof actionOrSpec !== 'object' || actionOrSpec === null)) {
      throw new AuditLedgeValidationError(
        source.field ?? 'audit()',
        `takes an action, a spec, an action and a spec, or false (got ${describe(actionOrSpec)})`,
      );
    }
    checkSpecKeys(actionOrSpec, field);
    return resolveSpec(actionOrSpec, field);
  } catch (err) {
    if (source.route === undefined || !(err instanceof AuditLedgeValidationError)) throw err;
    const detail = err.message.slice(`Invalid ${err.field}: `.length);
    throw new AuditLedgeValidationError(err.field, `${detail} (route ${source.route})`);
  }
}

function checkSpecKeys(spec: object | undefined, field: string): void {
  if (spec === undefined) return;
  for (const key of Object.keys(spec)) {
    if ((SPEC_KEYS as readonly string[]).includes(key)) continue;
    const near = SPEC_KEYS.find((k) => editDistance(k, key) <= 2);
    throw new AuditLedgeValidationError(
      `${field}.${key}`,
      `is not a spec key${near ? ` (did you mean ${near}?)` : ''}; expected ${SPEC_KEYS.join(', ')}`,
    );
  }
}

function describe(value: unknown): string {
  return value === null
    ? 'null'
    : typeof value === 'object'
      ? 'an object'
      : `${typeof value} ${String(value)}`;
}

/** Levenshtein distance, for a "did you mean" on short keys. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

function check(value: unknown, field: string, isStatic: (v: unknown) => boolean, what: string): void {
  if (value === undefined || typeof value === 'function' || isStatic(value)) return;
  throw new AuditLedgeValidationError(field, `must be ${what} or a function`);
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
