import { AuditLedgeValidationError } from '../errors.js';
import type { RouteAuditSpec } from './types.js';

/** A spec after validation: what the recorder reads, per field, at the end of a request. */
export interface NormalizedSpec<Req> {
  readonly action: RouteAuditSpec<Req>['action'];
  readonly actor: RouteAuditSpec<Req>['actor'];
  readonly resource: RouteAuditSpec<Req>['resource'];
  readonly organization: RouteAuditSpec<Req>['organization'];
  readonly metadata: RouteAuditSpec<Req>['metadata'];
  readonly skip: RouteAuditSpec<Req>['skip'];
}

/** A per-route declaration as the recorder sees it: `false` opts the route out. */
export type RouteSpec<Req> = NormalizedSpec<Req> | false;

/**
 * Validates the spec keys of an options object or a per-route spec, naming the wrong one.
 * Called at setup time, never on the request path.
 *
 * @example
 * normalizeSpec({ action: 'invoice.deleted', resource: (req) => ({ id: req.body.id }) }, 'spec');
 */
export function normalizeSpec<Req>(
  spec: RouteAuditSpec<Req> | undefined,
  where: string,
): NormalizedSpec<Req> {
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
 * Reads the arguments of `audit()`: `audit('invoice.deleted')`, `audit('invoice.deleted', spec)`,
 * `audit(spec)` or `audit(false)` (opt the route out).
 *
 * @example
 * routeSpec('invoice.deleted', { resource: (req) => ({ id: req.params.id }) });
 */
export function routeSpec<Req>(
  actionOrSpec: string | RouteAuditSpec<Req> | false | undefined,
  spec?: RouteAuditSpec<Req>,
): RouteSpec<Req> {
  if (actionOrSpec === false) return false;
  if (typeof actionOrSpec === 'string') {
    if (spec !== undefined && (typeof spec !== 'object' || spec === null)) {
      throw new AuditLedgeValidationError('audit() spec', 'must be an object');
    }
    return normalizeSpec({ ...spec, action: actionOrSpec }, 'audit() spec');
  }
  if (actionOrSpec !== undefined && (typeof actionOrSpec !== 'object' || actionOrSpec === null)) {
    throw new AuditLedgeValidationError('audit()', 'takes an action, a spec, an action and a spec, or false');
  }
  return normalizeSpec(actionOrSpec, 'audit() spec');
}

function check(value: unknown, field: string, isStatic: (v: unknown) => boolean, what: string): void {
  if (value === undefined || typeof value === 'function' || isStatic(value)) return;
  throw new AuditLedgeValidationError(field, `must be ${what} or a function`);
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
