// Route-template derivation (shared by every adapter): for any template a router can hand
// over, it never throws, names only params that exist, ignores version and `api` segments and
// mount prefixes the same way everywhere, and yields a type an event can carry.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  deriveAction,
  deriveRoute,
  type RouteDerivation,
} from '../../packages/core/src/adapter/deriveRoute.js';

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'SEARCH'];
const orgNames = ['orgId', 'organizationId', 'org_id', 'organization_id'];

const word = fc.stringMatching(/^[a-z][a-z]{0,9}$/);
const literal = fc.oneof(
  word,
  word.map((w) => `${w}s`),
  fc.tuple(word, word).map(([a, b]) => `${a}-${b}s`),
  fc.tuple(word, word).map(([a, b]) => `${a}${b[0]!.toUpperCase()}${b.slice(1)}`),
  fc.constantFrom('invoices', 'companies', 'addresses', 'people', 'api-keys', 'line-items', 'send', 'refund'),
);
const paramName = fc.oneof(fc.stringMatching(/^[A-Za-z_$][\w$]{0,8}$/), fc.constantFrom(...orgNames, 'id'));
const param = fc.oneof(
  { weight: 4, arbitrary: paramName.map((n) => ({ text: `:${n}`, name: n })) },
  { weight: 1, arbitrary: paramName.map((n) => ({ text: `:${n}(\\d+)`, name: n })) },
  { weight: 1, arbitrary: paramName.map((n) => ({ text: `*${n}`, name: n })) },
);
const segment = fc.oneof(
  literal.map((text) => ({ text, name: undefined as string | undefined })),
  param,
);
const template = fc.array(segment, { minLength: 0, maxLength: 7 });
const render = (segments: { text: string }[]) => `/${segments.map((s) => s.text).join('/')}`;
const shape = (r: RouteDerivation) => ({
  type: r.type,
  idParam: r.idParam,
  orgParam: r.orgParam,
  verb: r.verb,
});

describe('deriveRoute', () => {
  test('never throws, whatever the string; actions follow from the type', () => {
    const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
    fc.assert(
      fc.property(anyString, fc.constantFrom(...methods), (text, method) => {
        const route = deriveRoute(text);
        const action = deriveAction(route, method);
        if (route.type === undefined) expect(action).toBeUndefined();
        else expect(action?.startsWith(`${route.type}.`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('names only params that are in the template; the type is a snake_case identifier', () => {
    fc.assert(
      fc.property(template, fc.constantFrom(...methods), (segments, method) => {
        const route = deriveRoute(render(segments));
        const names = segments.flatMap((s) => (s.name === undefined ? [] : [s.name]));
        if (route.idParam !== undefined) expect(names).toContain(route.idParam);
        if (route.orgParam !== undefined) {
          expect(names).toContain(route.orgParam);
          expect(orgNames).toContain(route.orgParam);
        }
        if (segments.some((s) => s.name === undefined)) {
          expect(route.type).toMatch(/^[a-z][a-z0-9_]*$/);
          expect(deriveAction(route, method)).toMatch(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/);
        } else {
          expect(route.type).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });

  test('version and `api` segments change nothing, wherever they are', () => {
    fc.assert(
      fc.property(
        template,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('v1', 'v2', 'v10.3', 'api', 'API')), { maxLength: 3 }),
        (segments, inserts) => {
          const withNoise = [...segments];
          for (const [at, text] of inserts)
            withNoise.splice(at % (withNoise.length + 1), 0, { text, name: undefined });
          expect(shape(deriveRoute(render(withNoise)))).toEqual(shape(deriveRoute(render(segments))));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a mount prefix (/orgs/:orgId) keeps the type, id and verb, and supplies the organization', () => {
    // A router mounted on a collection. (A singular first segment, `/orgs/:orgId/send`, is a
    // verb on the org by design, so it is not prefix-invariant.)
    const collection = fc.constantFrom(
      'invoices',
      'companies',
      'api-keys',
      'line-items',
      'people',
      'projects',
    );
    fc.assert(
      fc.property(collection, template, (first, rest) => {
        const own = render([{ text: first }, ...rest]);
        const mounted = deriveRoute(`/orgs/:orgId${own}`);
        const plain = deriveRoute(own);
        expect({ ...shape(mounted), orgParam: undefined }).toEqual({ ...shape(plain), orgParam: undefined });
        expect(mounted.orgParam).toBe('orgId');
      }),
      { numRuns: 300 },
    );
  });

  test('the same template always gives the same answer, across cache evictions', () => {
    fc.assert(
      fc.property(template, (segments) => {
        const text = render(segments);
        const first = shape(deriveRoute(text));
        for (let i = 0; i < 2_100; i++) deriveRoute(`/filler-${i}/:id`);
        expect(shape(deriveRoute(text))).toEqual(first);
      }),
      { numRuns: 20 },
    );
  });

  test('a collection named in any script (/équipes/:id, /日本/:id) gives a type an event can carry, or none', () => {
    const unicodeLiteral = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
      .filter((s) => /^\p{L}+$/u.test(s));
    fc.assert(
      fc.property(unicodeLiteral, (name) => {
        const route = deriveRoute(`/${name}/:id`);
        // An empty type becomes `resource.type: ''` and an action like `.deleted`: never valid.
        if (route.type !== undefined) expect(route.type.trim()).not.toBe('');
      }),
      { numRuns: 300 },
    );
  });
});
