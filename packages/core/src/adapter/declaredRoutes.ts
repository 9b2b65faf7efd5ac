import { type Token, tokenize } from './deriveRoute.js';
import { toSnakeCase } from './inflect.js';
import { ID_FIELDS } from './responseId.js';

// Collections are finite in an app; the cap only bounds a router that reports raw paths.
const maxCached = 2000;

/**
 * The route templates an app declared, read from its router when a create first needs them:
 * which of the ids a create's response names is the one the app's item routes use
 * (`POST /articles` answering `{ article: { id, slug } }` next to `PUT /articles/:slug` is
 * keyed by the slug, so its creation joins the rest of the article's history). The answer is
 * computed once per collection template and kept. One instance per app or router, held by the
 * adapter; `templates` may be called again for a collection not seen before.
 *
 * @example
 * const routes = new DeclaredRoutes(() => ['/articles', '/articles/:slug']);
 * routes.idField('/articles'); // 'slug'
 */
export class DeclaredRoutes {
  private readonly fields = new Map<string, string | null>();

  constructor(private readonly templates: () => Iterable<string>) {}

  /**
   * The body field naming the items of `collection` (the create's route template), or
   * `undefined` when no item route names one of `ID_FIELDS`. Never throws: a router that
   * cannot be read leaves the documented order.
   */
  idField(collection: string): string | undefined {
    let field = this.fields.get(collection);
    if (field === undefined) {
      try {
        const param = itemParam(collection, this.templates());
        field = (param === undefined ? undefined : idFieldOfParam(param)) ?? null;
      } catch {
        field = null;
      }
      if (this.fields.size >= maxCached) this.fields.clear();
      this.fields.set(collection, field);
    }
    return field ?? undefined;
  }
}

/**
 * The name of the param identifying the items of a collection in an app's declared templates:
 * the last param of a template that is the collection's plus one param (`/articles/:slug` for
 * `/articles`; `/articles/:id/comments/:commentId` for `/articles/:slug/comments`, params of
 * the parents matching whatever their names). `api` and version segments are ignored as the
 * derivation ignores them. When several item routes exist, the first whose param names an
 * id field wins, else the first.
 *
 * @example
 * itemParam('/api/articles', ['/api/articles', '/api/articles/:slug']); // 'slug'
 */
export function itemParam(collection: string, declared: Iterable<string>): string | undefined {
  const own = tokenize(collection);
  if (own.length === 0 || own.at(-1)!.param) return undefined;
  let first: string | undefined;
  for (const template of declared) {
    if (typeof template !== 'string') continue;
    const tokens = tokenize(template);
    const last = tokens.at(-1);
    if (tokens.length !== own.length + 1 || last === undefined || !last.param) continue;
    if (!sameParent(own, tokens)) continue;
    if (idFieldOfParam(last.value) !== undefined) return last.value;
    first ??= last.value;
  }
  return first;
}

/**
 * The body field a route param stands for: a param named like one of `ID_FIELDS` (`:slug`,
 * `:username`, `:id`, `:uuid`), or ending with one (`:articleId`, `:article_id` -> `id`;
 * `:articleSlug` -> `slug`). `undefined` for any other name (`:article`, `:name`).
 *
 * @example
 * idFieldOfParam('articleId'); // 'id'
 */
export function idFieldOfParam(param: string): string | undefined {
  if (ID_FIELDS.includes(param)) return param;
  const words = toSnakeCase(param).split('_');
  const last = words.at(-1);
  return last !== undefined && ID_FIELDS.includes(last) ? last : undefined;
}

/** Literals equal (whatever their case or kebab/snake form), params in the same places. */
function sameParent(own: readonly Token[], item: readonly Token[]): boolean {
  for (let i = 0; i < own.length; i++) {
    const a = own[i]!;
    const b = item[i]!;
    if (a.param !== b.param) return false;
    if (!a.param && toSnakeCase(a.value) !== toSnakeCase(b.value)) return false;
  }
  return true;
}
