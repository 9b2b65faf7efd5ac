// English plural -> singular for the nouns that name REST collections. Not a full inflector:
// it covers regular plurals and the irregular ones that show up in SaaS APIs, and leaves
// anything it does not recognise unchanged (a wrong singular is worse than a plural).

const irregular: Record<string, string> = {
  people: 'person',
  children: 'child',
  men: 'man',
  women: 'woman',
  mice: 'mouse',
  geese: 'goose',
  teeth: 'tooth',
  feet: 'foot',
  indices: 'index',
  matrices: 'matrix',
  vertices: 'vertex',
  analyses: 'analysis',
  criteria: 'criterion',
  phenomena: 'phenomenon',
  quizzes: 'quiz',
  caches: 'cache',
  niches: 'niche',
  movies: 'movie',
  cookies: 'cookie',
  uses: 'use',
  excuses: 'excuse',
  abuses: 'abuse',
  fuses: 'fuse',
  responses: 'response',
};

const uncountable = new Set([
  'data',
  'metadata',
  'media',
  'news',
  'series',
  'species',
  'information',
  'equipment',
  'feedback',
  'sms',
  'auth',
]);

/**
 * The singular of one lower-case word: `invoices` -> `invoice`, `companies` -> `company`,
 * `addresses` -> `address`, `statuses` -> `status`. Unknown shapes come back unchanged.
 *
 * @example
 * singularizeWord('companies'); // 'company'
 */
export function singularizeWord(word: string): string {
  const known = irregular[word];
  if (known !== undefined) return known;
  if (uncountable.has(word) || word.length < 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ouses') || word.endsWith('auses')) return word.slice(0, -1);
  if (word.endsWith('uses')) return word.slice(0, -2);
  if (/(?:x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/**
 * A path segment as a snake_case identifier: `api-keys` -> `api_keys`, `apiKeys` -> `api_keys`.
 *
 * @example
 * toSnakeCase('api-keys'); // 'api_keys'
 */
export function toSnakeCase(segment: string): string {
  // Unicode-aware: `/équipes` and `/日本` name collections too, and must not come out empty.
  return segment
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * A collection segment as a singular snake_case type: only the last word is singularized,
 * so `api-keys` -> `api_key` and `line-items` -> `line_item`.
 *
 * @example
 * singularize('api-keys'); // 'api_key'
 */
export function singularize(segment: string): string {
  const snake = toSnakeCase(segment);
  const cut = snake.lastIndexOf('_');
  if (cut === -1) return singularizeWord(snake);
  return snake.slice(0, cut + 1) + singularizeWord(snake.slice(cut + 1));
}

/**
 * Whether a segment names a collection (a plural noun) rather than a verb or a singular noun.
 *
 * @example
 * isPlural('lines'); // true
 * isPlural('send'); // false
 */
export function isPlural(segment: string): boolean {
  const snake = toSnakeCase(segment);
  return singularize(snake) !== snake;
}
