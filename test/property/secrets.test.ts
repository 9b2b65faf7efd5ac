// Secrets under faults: whatever the API answers, the API key never appears in an error, its
// stack or cause, an onError context, an onDrop payload, a logger line, util.inspect or JSON of
// the client, or the shutdown report. Real HTTP on loopback, arbitrary keys and fault mixes.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuditLedge, type AuditLedgeError } from '../../packages/core/src/index.js';
import { type Fault, type FaultApi, startFaultApi } from '../faults/support/faultApi.js';

let api: FaultApi;
beforeAll(async () => {
  api = await startFaultApi();
});
afterAll(() => api.close());

const faults: fc.Arbitrary<Fault> = fc.oneof(
  fc.constantFrom<Fault>(
    undefined,
    'reset',
    'stall',
    'commit-reset',
    'commit-malformed',
    { status: 400, body: JSON.stringify({ error: 'Missing required fields' }) },
    { status: 401, body: JSON.stringify({ error: 'Invalid API key' }) },
    { status: 403, body: '<html>Forbidden</html>' },
    { status: 404 },
    { status: 408 },
    { status: 413, body: JSON.stringify({ error: 'Payload too large' }) },
    { status: 429, headers: { 'retry-after': '0' } },
    { status: 500 },
    { status: 503, headers: { 'retry-after': '1' } },
  ),
);

const key = fc
  .stringMatching(/^[A-Za-z0-9_]{16,48}$/)
  .map((s) => `al_${s}`)
  // Avoid keys that are substrings of ordinary text (status words, JSON) by construction.
  .filter((k) => /\d/.test(k) && /[A-Za-z]{2}/.test(k.slice(3)));

/** Everything a user could ever see from the client, as one string. */
async function everythingVisible(apiKey: string, script: Fault[], echo = false): Promise<string> {
  const seen: string[] = [];
  const render = (v: unknown) =>
    `${inspect(v, { depth: Number.POSITIVE_INFINITY, showHidden: true })}\n${safeJson(v)}`;
  const logLine = (obj: object, msg?: string) => seen.push(`${msg} ${render(obj)}`);
  api.script((req) => {
    const fault = script[(req.n - 1) % script.length];
    if (!echo) return fault;
    // A proxy that echoes the request's credentials in its error page.
    return { status: 400, body: JSON.stringify({ error: `Malformed header: ${req.authorization}` }) };
  });
  const audit = new AuditLedge(apiKey, {
    baseUrl: api.url,
    flushInterval: 0,
    timeout: 60,
    retryBaseDelay: 1,
    maxRetryDelay: 5,
    maxRetries: 2,
    authRetryInterval: 5,
    quotaRetryInterval: 5,
    onError: (err: AuditLedgeError, context) => seen.push(`${render(err)} ${err.stack} ${render(context)}`),
    onDrop: (event, reason) => seen.push(`${reason} ${render(event)}`),
    logger: { debug: logLine, info: logLine, warn: logLine, error: logLine },
  });
  const logs = Array.from({ length: 4 }, (_, i) =>
    audit
      .log({ actor: { id: 'u_1' }, action: 'invoice.deleted', resource: { type: 'invoice', id: `i${i}` } })
      .then(
        (stored) => seen.push(render(stored)),
        (err: Error) => seen.push(`${render(err)} ${err.stack}`),
      ),
  );
  const reads = [audit.query({ limit: 1 }), audit.usage(), audit.get('x')].map((p) =>
    p.then(
      (v) => seen.push(render(v)),
      (err: Error) => seen.push(`${render(err)} ${err.stack}`),
    ),
  );
  await Promise.race([Promise.all([...logs, ...reads]), new Promise((r) => setTimeout(r, 300))]);
  seen.push(render(audit), String(audit), safeJson(audit), render(audit.stats()));
  const report = await audit.shutdown({ timeout: 50 });
  seen.push(render(report));
  await Promise.all([...logs, ...reads]);
  return seen.join('\n');
}

/** The lines that contain the secret, trimmed to show where it leaked. */
function leaks(visible: string, secret: string): string[] {
  return visible
    .split('\n')
    .filter((line) => line.includes(secret))
    .map((line) => line.trim().slice(0, 160));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

describe('the API key never leaks', () => {
  test('through any error, context, log line, inspect or report, whatever the API answers', async () => {
    await fc.assert(
      fc.asyncProperty(key, fc.array(faults, { minLength: 1, maxLength: 6 }), async (apiKey, script) => {
        const visible = await everythingVisible(apiKey, script);
        expect(visible.length).toBeGreaterThan(0);
        expect(leaks(visible, apiKey)).toEqual([]);
        expect(leaks(visible, apiKey.slice(3))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  test('even when the API (or a proxy in front of it) echoes the Authorization header in its error', async () => {
    const apiKey = 'al_live_echoed_0123456789abcdef';
    const visible = await everythingVisible(apiKey, [undefined], true);
    expect(visible).toContain('Malformed header');
    expect(leaks(visible, apiKey)).toEqual([]);
  });
});
