import { isPlural, singularize, toSnakeCase } from './inflect.js';
import { isAction, isKnownVerb, pastTense, undoneTense } from './verbs.js';

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
  /**
   * A trailing segment after the resource: an action (`send` in `/invoices/:id/send`, which
   * becomes `invoice.sent`) or a part of it (`avatar` in `/users/:id/avatar`).
   */
  readonly verb: string | undefined;
  /**
   * Whose id a route without an id param takes: the actor's for the current-user forms
   * (`/user`, `/me`, `/account`, `/profile`, `/settings`), the organization's for
   * `/organization`, `/team`, `/workspace`, `/billing`.
   */
  readonly owner: 'actor' | 'organization' | undefined;
  /** An authentication route (`/users/login`, `/auth/logout`, `/password/reset`...). */
  readonly auth: AuthRoute | undefined;
}

/** The authentication routes recognised by their usual paths. */
export type AuthRoute =
  | 'login'
  | 'logout'
  | 'signup'
  | 'password_reset_requested'
  | 'password_reset'
  | 'token_refreshed'
  /** `/session(s)`: POST logs in, DELETE logs out. */
  | 'session';

/** A template segment: a literal (`articles`) or a param's name (`slug` for `:slug`). */
export type Token = { param: false; value: string } | { param: true; value: string };

const orgParams = new Set(['orgId', 'organizationId', 'org_id', 'organization_id']);
const ignored = /^(?:v\d+(?:\.\d+)*|api)$/i;

// The singular forms that name the caller's own resource: the type they stand for and whose id.
const singletons: Record<string, { type: string | undefined; owner: 'actor' | 'organization' }> = {
  user: { type: 'user', owner: 'actor' },
  me: { type: 'user', owner: 'actor' },
  self: { type: 'user', owner: 'actor' },
  current_user: { type: 'user', owner: 'actor' },
  account: { type: 'account', owner: 'actor' },
  profile: { type: 'profile', owner: 'actor' },
  settings: { type: 'settings', owner: 'actor' },
  preferences: { type: 'preferences', owner: 'actor' },
  organization: { type: 'organization', owner: 'organization' },
  org: { type: 'organization', owner: 'organization' },
  team: { type: 'team', owner: 'organization' },
  workspace: { type: 'workspace', owner: 'organization' },
  tenant: { type: 'tenant', owner: 'organization' },
  company: { type: 'company', owner: 'organization' },
  billing: { type: 'billing', owner: 'organization' },
  subscription: { type: 'subscription', owner: 'organization' },
};
// `/users/me`, `/users/current`: the current member of the collection before it.
const currentMember = new Set(['me', 'self', 'current', 'mine']);

// One segment (`login`) or the last two (`password/reset`), snake_cased and joined by `_`.
const authWords: Record<string, AuthRoute> = {
  login: 'login',
  log_in: 'login',
  signin: 'login',
  sign_in: 'login',
  authenticate: 'login',
  logout: 'logout',
  log_out: 'logout',
  signout: 'logout',
  sign_out: 'logout',
  signup: 'signup',
  sign_up: 'signup',
  register: 'signup',
  registration: 'signup',
  forgot_password: 'password_reset_requested',
  password_forgot: 'password_reset_requested',
  request_password_reset: 'password_reset_requested',
  password_reset_request: 'password_reset_requested',
  reset_password: 'password_reset',
  password_reset: 'password_reset',
  refresh_token: 'token_refreshed',
  token_refresh: 'token_refreshed',
  refresh_tokens: 'token_refreshed',
  tokens_refresh: 'token_refreshed',
};
// `/auth/refresh`, `/session/refresh`: refresh is a token refresh only under these.
const authParents = new Set([
  'auth',
  'oauth',
  'token',
  'tokens',
  'session',
  'sessions',
  'jwt',
  'authentication',
]);

const authActions: Record<Exclude<AuthRoute, 'session'>, string> = {
  login: 'user.logged_in',
  logout: 'user.logged_out',
  signup: 'user.created',
  password_reset_requested: 'user.password_reset_requested',
  password_reset: 'user.password_reset',
  token_refreshed: 'user.token_refreshed',
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
 * The default action for a method on a derived route, in the docs' convention (past tense):
 * `invoice.deleted`, `invoice.updated`, `invoice.created` (POST on a collection),
 * `invoice.sent` (POST on `/invoices/:id/send`), `article.unfavorited` (DELETE on
 * `/articles/:slug/favorite`), `user.logged_in` (POST `/users/login`).
 *
 * @example
 * deriveAction(deriveRoute('/invoices/:id/send'), 'POST'); // 'invoice.sent'
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
  if (route.auth === 'session') {
    if (method === 'POST') return authActions.login;
    if (method === 'DELETE') return authActions.logout;
    return `session.${methodTense(method, true)}`;
  }
  if (route.auth !== undefined) return authActions[route.auth];
  const verb = route.verb;
  if (verb === undefined)
    return `${route.type}.${methodTense(method, route.idParam !== undefined || route.owner !== undefined)}`;
  if (isAction(verb, method)) {
    return `${route.type}.${method === 'DELETE' ? undoneTense(verb) : pastTense(verb)}`;
  }
  return `${route.type}.${verb}_${methodTense(method, false)}`;
}

/**
 * Whether a request logs a user in: a login route, or `POST /sessions`.
 *
 * @example
 * isLoginRoute(deriveRoute('/users/login'), 'POST'); // true
 */
export function isLoginRoute(route: RouteDerivation, method: string): boolean {
  return route.auth === 'login' || (route.auth === 'session' && method === 'POST');
}

/** `deleted`, `updated`, `created` (`updated` for a POST on an existing item), `viewed`. */
function methodTense(method: string, onItem: boolean): string {
  switch (method) {
    case 'DELETE':
      return 'deleted';
    case 'PUT':
    case 'PATCH':
      return 'updated';
    case 'POST':
      return onItem ? 'updated' : 'created';
    case 'GET':
      return 'viewed';
    default:
      return method.toLowerCase();
  }
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
  const base = {
    template,
    orgParam,
    verb: undefined,
    owner: undefined,
    auth: undefined,
    actions: new Map<string, string>(),
  };
  if (lastLiteral === -1) {
    return { ...base, type: undefined, idParam: tokens.at(-1)?.value };
  }
  const auth = authRoute(tokens, lastLiteral);
  if (auth !== undefined) return { ...base, type: 'user', idParam: undefined, owner: 'actor', auth };
  const literal = tokens[lastLiteral]!.value;
  if (lastLiteral < tokens.length - 1) {
    // `/invoices/:id` (or `/repos/:owner/:repo`): the last param of the run is the id.
    return { ...base, type: singularize(literal), idParam: tokens.at(-1)!.value };
  }
  // The template ends on a literal: a collection (`/invoices`, `/invoices/:id/lines`), an action
  // or a part of an item (`/invoices/:id/send`, `/users/:id/avatar`), or a singleton (`/user`).
  const word = toSnakeCase(literal);
  if (isPlural(literal) && !isKnownVerb(word) && singletons[word] === undefined) {
    return { ...base, type: singularize(literal), idParam: undefined };
  }
  const previous = tokens[lastLiteral - 1];
  if (previous?.param) {
    let parent = lastLiteral - 1;
    while (parent >= 0 && tokens[parent]!.param) parent--;
    if (parent >= 0) {
      return { ...base, type: singularize(tokens[parent]!.value), idParam: previous.value, verb: word };
    }
  }
  if (previous === undefined || !previous.param) {
    const before = previous === undefined ? undefined : toSnakeCase(previous.value);
    if (before !== undefined && currentMember.has(word) && isPlural(before)) {
      return { ...base, type: singularize(before), idParam: undefined, owner: 'actor' };
    }
    const own = singletons[word];
    if (own !== undefined) return { ...base, type: own.type, idParam: undefined, owner: own.owner };
    const parentOwn = before === undefined ? undefined : singletons[before];
    if (parentOwn !== undefined) {
      // `/me/avatar`, `/account/close`: a part or an action of the caller's own resource.
      return { ...base, type: parentOwn.type, idParam: undefined, owner: parentOwn.owner, verb: word };
    }
    if (before !== undefined && isPlural(before) && isKnownVerb(word)) {
      // `/invoices/import`: an action on the collection.
      return { ...base, type: singularize(before), idParam: undefined, verb: word };
    }
  }
  return { ...base, type: singularize(literal), idParam: undefined };
}

/** The authentication route a template ends with, looking at its last one or two literals. */
function authRoute(tokens: readonly Token[], lastLiteral: number): AuthRoute | undefined {
  // Only params may follow (`/password/reset/:token`), and no param may come right before:
  // `/events/:id/register` registers for an event, it does not sign a user up.
  if (lastLiteral > 0 && tokens[lastLiteral - 1]!.param) return undefined;
  const last = toSnakeCase(tokens[lastLiteral]!.value);
  if ((last === 'session' || last === 'sessions') && lastLiteral === tokens.length - 1) return 'session';
  const prev =
    lastLiteral > 0 && !tokens[lastLiteral - 1]!.param
      ? toSnakeCase(tokens[lastLiteral - 1]!.value)
      : undefined;
  if (prev !== undefined) {
    const pair = authWords[`${prev}_${last}`];
    if (pair !== undefined) return pair;
  }
  const one = authWords[last];
  if (one !== undefined) return one;
  if (last === 'refresh' && (prev === undefined || authParents.has(prev))) return 'token_refreshed';
  return undefined;
}

/**
 * A template's segments as the derivation reads them: regex constraints and optional-group
 * braces dropped, `api` and version segments left out, literals cut at punctuation.
 *
 * @example
 * tokenize('/api/articles/:slug'); // [{ param: false, value: 'articles' }, { param: true, value: 'slug' }]
 */
export function tokenize(template: string): Token[] {
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
