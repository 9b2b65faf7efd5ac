/** Replaces every occurrence of each secret in `text`: servers and proxies sometimes echo credentials. */
export function scrub(text: string, secrets: Iterable<string> | string | undefined): string {
  if (secrets === undefined) return text;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    if (secret && text.includes(secret)) text = text.split(secret).join('[REDACTED]');
  }
  return text;
}
