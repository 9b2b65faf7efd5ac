// Default redaction (shared by every adapter, in @auditledge/core/adapter): secret-named keys
// are replaced at any depth, whatever the spelling; the app's object is never mutated; the
// result is always sendable (cycles and depth cut); prototype-pollution keys change nothing.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createRedactor, defaultRedactKeys, REDACTED } from '../../packages/core/src/adapter/redact.js';
import { validateEvent } from '../../packages/core/src/index.js';
import { hostileJsonText, prototypeFingerprint, safeMetadata } from './support/arbitraries.js';

const redact = createRedactor(undefined);

/** `x-api-key`, `X_API_KEY`, `xApiKey` and `XApiKey` are one name. */
const normalize = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
const secretNames = new Set(defaultRedactKeys.map(normalize));

/** The spellings a JS app uses for one name: as listed, UPPER, camelCase, PascalCase, kebab, snake. */
function spellings(key: string): string[] {
  const words = key.split(/[-_]/);
  const camel =
    words[0] +
    words
      .slice(1)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join('');
  return [
    key,
    key.toUpperCase(),
    camel,
    camel[0]!.toUpperCase() + camel.slice(1),
    words.join('-'),
    words.join('_'),
  ];
}

const secretKey = fc.constantFrom(...defaultRedactKeys).chain((k) => fc.constantFrom(...spellings(k)));

/** Puts `[key, value]` pairs into random objects of the tree (arrays get an object pushed). */
function plant(tree: Record<string, unknown>, pairs: [string, string][], picks: number[]): void {
  const spots: object[] = [];
  const walk = (v: unknown) => {
    if (v === null || typeof v !== 'object' || v instanceof Date) return;
    spots.push(v);
    for (const child of Object.values(v)) walk(child);
  };
  walk(tree);
  pairs.forEach(([key, value], i) => {
    const spot = spots[picks[i]! % spots.length]!;
    if (Array.isArray(spot)) spot.push({ [key]: value });
    else (spot as Record<string, unknown>)[key] = value;
  });
}

/** Every value under a secret-named key that survived redaction. */
function survivors(value: unknown, out: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value)) {
    if (secretNames.has(normalize(k)) && v !== REDACTED) out.push(`${k}=${JSON.stringify(v)}`);
    survivors(v, out);
  }
  return out;
}

describe('default redaction', () => {
  test('every default secret name, in each spelling a JS app uses, is redacted at any depth', () => {
    fc.assert(
      fc.property(
        safeMetadata,
        fc.array(fc.tuple(secretKey, fc.string({ minLength: 1 })), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        (metadata, pairs, picks) => {
          const tree = { ...metadata };
          plant(tree, pairs, picks);
          expect(survivors(redact(tree))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('the camelCase and kebab-case names JS apps send are redacted (examples of the property above)', () => {
    const names = [
      'accessToken',
      'refreshToken',
      'idToken',
      'clientSecret',
      'privateKey',
      'api-key',
      'csrfToken',
      'setCookie',
    ];
    const out = redact({ body: Object.fromEntries(names.map((n) => [n, 'value'])) });
    expect(survivors(out)).toEqual([]);
  });

  test('the app object is never mutated, and the copy is always sendable (cycles and depth cut)', () => {
    const tangled = fc
      .tuple(safeMetadata, fc.nat(), fc.integer({ min: 0, max: 80 }))
      .map(([m, pick, depth]) => {
        const tree: Record<string, unknown> = { ...m };
        let deep: unknown = { password: 'hunter2' };
        for (let i = 0; i < depth; i++) deep = { k: deep };
        tree.deep = deep;
        if (pick % 2) tree.self = tree;
        return tree;
      });
    fc.assert(
      fc.property(tangled, (tree) => {
        const keysBefore = Object.keys(tree).join(',');
        const out = redact(tree);
        expect(Object.keys(tree).join(',')).toBe(keysBefore);
        expect(out).not.toBe(tree);
        // Sendable: JSON-safe, no cycle, within the depth validation accepts.
        const event = {
          actor: { id: 'u' },
          action: 'a.b',
          resource: { type: 't', id: '1' },
          metadata: out as never,
        };
        expect(() => JSON.stringify(validateEvent(event))).not.toThrow();
        expect(JSON.stringify(out)).not.toContain('hunter2');
      }),
      { numRuns: 200 },
    );
  });

  test('prototype-pollution keys at any depth change no prototype', () => {
    const before = prototypeFingerprint();
    fc.assert(
      fc.property(hostileJsonText, (text) => {
        const out = redact(JSON.parse(text));
        expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(survivors(out)).toEqual([]);
      }),
      { numRuns: 300 },
    );
    expect(prototypeFingerprint()).toBe(before);
  });
});
