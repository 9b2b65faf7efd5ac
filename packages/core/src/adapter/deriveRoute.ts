import { isPlural, singularize, toSnakeCase } from './inflect.js';

/** What a route template says about the audited resource, computed once per template. */
export interface RouteDerivation {
  /** The template it was derived from: `/orgs/:orgId/api-keys/:keyId`. */
  readonly template: string;
  /** Singular snake_case resource type (`api_key`); `undefined` when the template has no literal segment. */
  readonly type: string | undefined;
  /** Name of the param holding the resource id (`keyId`); `undefined` for a collection. */
  readonly idParam: string | undefined;
  /** Name of the `:orgId` / `:organizationId` param, if the template has one. */
  readonly orgParam: string | undefined;
  /** A trailing verb on an item (`send` in `/invoices/:id/send`), which becomes the action. */
  readonly verb: string | undefined;
}

type Token = { param: false; value: string } | { param: true; value: string };

const orgParams = new Set(['orgId', 'organizationId', 'org_id', 'organization_id']);
const ignored = /^(?:v\d+(?:\.\d+)*|api)$/i;
const pastTense: Record<string, string> = {
  DELETE: 'deleted',
  PUT: 'updated',
  PATCH: 'updated',
  POST: 'created',
  GET: 'viewed',
};

// Templates are finite in an app, but a cap keeps a misbehaving router (say, one that
// reports raw paths) from growing this without bound.
const maxCached = 2000;
const cache = new Map<string, CachedDerivation>();

/** Keeps the actions already computed for each method, so a request does not build a string. */
interface CachedDerivation extends RouteDerivation {
  readonly actions: Map<string, string>;
}

/**
 * Derives the resource type, id param and organization param from a route template, once per
 * template (later calls hit a cache). Version segments (`v1`) and `api` are ignored, plural
 * collection names are singularized and kebab-case becomes snake_case.
 *
 * @example
 * deriveRoute('/orgs/:orgId/api-keys/:keyId');
 * // { type: 'api_key', idParam: 'keyId', orgParam: 'orgId', verb: undefined, template: ... }
 */
export function deriveRoute(template: string): RouteDerivation {
  let derived = cache.get(template);
  if (derived === undefined) {
    if (cache.size >= maxCached) cache.clear();
    derived = compute(template);
    cache.set(template, derived);
  }
  return derived;
}

/**
 * The default action for a method on a derived route: `invoice.deleted`, `invoice.updated`,
 * `invoice.created` (POST on a collection), `invoice.send` (POST on `/invoices/:id/send`).
 *
 * @example
 * deriveAction(deriveRoute('/invoices/:id'), 'DELETE'); // 'invoice.deleted'
 */
export function deriveAction(route: RouteDerivation, method: string): string | undefined {
  if (route.type === undefined) return undefined;
  const actions = (route as Partial<CachedDerivation>).actions;
  let action = actions?.get(method);
  if (action === undefined) {
    action = computeAction(route, method);
    actions?.set(method, action);
  }
  return action;
}

function computeAction(route: RouteDerivation, method: string): string {
  const verb =
    method === 'POST' && route.idParam !== undefined && route.verb === undefined
      ? 'updated'
      : (pastTense[method] ?? method.toLowerCase());
  if (route.verb === undefined) return `${route.type}.${verb}`;
  return method === 'POST' ? `${route.type}.${route.verb}` : `${route.type}.${route.verb}_${verb}`;
}

function compute(template: string): CachedDerivation {
  const tokens = tokenize(template);
  let orgParam: string | undefined;
  let lastLiteral = -1;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.param) lastLiteral = i;
    else if (orgParam === undefined && orgParams.has(token.value)) orgParam = token.value;
  }
  const base = { template, orgParam, verb: undefined, actions: new Map<string, string>() };
  if (lastLiteral === -1) {
    return { ...base, type: undefined, idParam: tokens.at(-1)?.value };
  }
  const literal = tokens[lastLiteral]!.value;
  if (lastLiteral < tokens.length - 1) {
    // `/invoices/:id` (or `/repos/:owner/:repo`): the last param of the run is the id.
    return { ...base, type: singularize(literal), idParam: tokens.at(-1)!.value };
  }
  // The template ends on a literal: a collection (`/invoices`, `/invoices/:id/lines`) or a
  // verb on an item (`/invoices/:id/send`). A plural noun is a collection.
  let parent = lastLiteral - 1;
  while (parent >= 0 && tokens[parent]!.param) parent--;
  if (parent >= 0 && parent < lastLiteral - 1 && !isPlural(literal)) {
    return {
      ...base,
      type: singularize(tokens[parent]!.value),
      idParam: tokens[lastLiteral - 1]!.value,
      verb: toSnakeCase(literal),
    };
  }
  return { ...base, type: singularize(literal), idParam: undefined };
}

function tokenize(template: string): Token[] {
  const tokens: Token[] = [];
  for (const raw of stripPatterns(template).split('/')) {
    if (raw === '') continue;
    if (raw[0] === ':' || raw[0] === '*') {
      const name = /^[:*]([\w$]+)/.exec(raw)?.[1] ?? raw[0];
      tokens.push({ param: true, value: name });
      continue;
    }
    // `invoices.json` or `files:upload`: the noun is what comes before the punctuation.
    const literal = raw.replace(/[.:;,+!~'].*$/, '');
    // A segment of punctuation only (`...`, `%`) names nothing.
    if (ignored.test(literal) || toSnakeCase(literal) === '') continue;
    tokens.push({ param: false, value: literal });
  }
  return tokens;
}

/** Drops regex constraints (`:id(^\\d+$)`) and optional-group braces (`{/:id}`), which may contain `/`. */
function stripPatterns(template: string): string {
  if (!/[({}]/.test(template)) return template;
  let out = '';
  let depth = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '\\') {
      if (depth === 0) out += template[i + 1] ?? '';
      i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && c !== '{' && c !== '}') out += c;
  }
  return out;
}
