/** Replaces every occurrence of each secret in `text`: servers and proxies sometimes echo credentials. */
export function scrub(text: string, secrets: Iterable<string> | string | undefined): string {
  if (secrets === undefined) return text;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (secret && text.includes(secret)) text = text.split(secret).join('[REDACTED]');
  }
  return text;
}

/**
 * `secrets` with `key` added, longest first, so a key that extends an older one is scrubbed
 * whole. The same list when it is there already.
 */
export function withSecret(secrets: readonly string[], key: string): string[] {
  if (secrets.includes(key)) return secrets as string[];
  return [...secrets, key].sort((a, b) => b.length - a.length);
}
