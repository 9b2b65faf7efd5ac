/**
 * The words of a key name, lower-cased: split on case changes (`newPassword`, `XMLHttpToken`),
 * between letters and digits (`password2`), and on anything that is not a letter or digit
 * (`_`, `-`, `.`, spaces, `/`).
 *
 * @example
 * keyWords('x-auth-token'); // ['x', 'auth', 'token']
 * keyWords('awsSecretAccessKey'); // ['aws', 'secret', 'access', 'key']
 */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])([0-9])/g, '$1 $2')
    .replace(/([0-9])([a-zA-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** Whether a key's words name a secret. */
export type WordMatcher = (words: readonly string[]) => boolean;

/** Long, unambiguous words that also count inside a key written without separators (`newpassword`). */
const embeddable = new Set([
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'authorization',
  'cookie',
  'credential',
]);

/**
 * Builds the matcher for a list of entries, each one or more words (`pin`, `api_key`): a key
 * matches when its words hold an entry's words in a row, or one word equal to the entry written
 * together (`apikey`), a plural included (`tokens`), or, for the long words above, contain it.
 *
 * @example
 * wordMatcher(['api_key'])(keyWords('xApiKey')); // true
 */
export function wordMatcher(entries: readonly string[]): WordMatcher {
  const single = new Set<string>();
  const sequences: string[][] = [];
  const inside: string[] = [];
  for (const entry of entries) {
    const words = keyWords(entry);
    if (words.length === 0) continue;
    const joined = words.join('');
    single.add(joined);
    if (words.length > 1) sequences.push(words);
    if (embeddable.has(joined)) inside.push(joined);
  }
  return function namesSecret(words) {
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (single.has(word) || (word.endsWith('s') && single.has(word.slice(0, -1)))) return true;
      for (const sequence of sequences) {
        if (
          sequence[0] === word &&
          sequence.every((w, k) => sameWord(w, words[i + k], k === sequence.length - 1))
        )
          return true;
      }
    }
    if (inside.length === 0) return false;
    const all = words.join('');
    for (const word of inside) if (all.includes(word)) return true;
    return false;
  };
}

function sameWord(expected: string, actual: string | undefined, last: boolean): boolean {
  return actual === expected || (last && actual === `${expected}s`);
}
