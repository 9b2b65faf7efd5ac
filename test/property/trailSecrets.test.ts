// No secret stored (issue 10, "Secrets"), through each adapter into the trail a real client
// delivers to a scripted API:
// - redaction matches secret words inside key names, in any spelling (`newPassword`,
//   `x-auth-token`, `aws_secret_access_key`), not only whole key names;
// - a change record whose `field` (or `name`, `key`, `path`) names a secret has its values redacted;
// - the request handle the app holds serializes to nothing and reaches no header through any
//   back-reference (`JSON.stringify(ctx.state)`, `JSON.stringify(req.audit)`, `util.inspect`);
// - `x-request-id` is bounded and the framework's own id wins, the same way in all of them.
// Each case runs on Express, Koa, Fastify and the NestJS module on platform-express and
// platform-fastify. Under Nest the handle is the one `@AuditContext()` injects, and the platform's
// own id is Fastify's `request.id` on platform-fastify, as in the Fastify plugin.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  adapterFrameworks,
  type Route,
  type RunningApp,
  send,
  startApp,
  type WorkContext,
} from '../faults/adapters/apps.js';
import { type AuditHarness, startAuditHarness } from '../support/auditHarness.js';

let harness: AuditHarness;
beforeAll(async () => {
  harness = await startAuditHarness();
});
afterAll(() => harness.close());

/** The keys a password-change form, an OAuth callback or a cloud config actually use. */
const plantedKeys = [
  'currentPassword',
  'newPassword',
  'password_confirmation',
  'authToken',
  'x-auth-token',
  'sessionToken',
  'refresh_token',
  'clientSecret',
  'aws_secret_access_key',
  'mfa_secret',
  'api_token',
  'newpassword',
  'X-API-KEY',
  'stripe.apiKey',
  'otp code',
  'pinCode',
  'card_cvv',
];

/** Secret words, and how an app may wrap them in a key name. */
const secretWord = fc.constantFrom(
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'apiKey',
  'api_key',
  'auth',
  'authorization',
  'cookie',
  'session',
  'credential',
  'privateKey',
  'otp',
  'mfa',
  'pin',
  'cvv',
  'ssn',
);
const otherWord = fc.constantFrom(
  'current',
  'new',
  'old',
  'user',
  'x',
  'client',
  'refresh',
  'db',
  'id',
  'confirm',
);
const style = fc.constantFrom('camel', 'snake', 'kebab', 'dot', 'upper', 'space');

function spell(words: string[], how: string): string {
  const flat = words.flatMap((w) => w.split(/(?=[A-Z])|_/)).map((w) => w.toLowerCase());
  switch (how) {
    case 'camel':
      return flat.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
    case 'snake':
      return flat.join('_');
    case 'kebab':
      return flat.join('-');
    case 'dot':
      return flat.join('.');
    case 'upper':
      return flat.join('_').toUpperCase();
    default:
      return flat.join(' ');
  }
}

const secretKey = fc
  .tuple(
    fc.option(otherWord, { nil: undefined }),
    secretWord,
    fc.option(otherWord, { nil: undefined }),
    style,
  )
  .map(([before, word, after, how]) =>
    spell(
      ([before, word, after] as (string | undefined)[]).filter((w): w is string => w !== undefined),
      how,
    ),
  );

/**
 * Fastify always sets `request.id` (`req-1`, ...), which wins over `x-request-id`, under Nest too;
 * it is the client's `x-request-id` only when the app says so (`requestIdHeader`).
 */
const fastifySetsIds = (framework: string) => framework === 'fastify' || framework === 'nestjs-fastify';

/**
 * Every way an app hands the adapter metadata, each applied the same way in every framework: the
 * options' mapper, the route's spec (`audit()`, `config.audit`, `@Audit()`) and the request handle
 * (`req.audit`, `ctx.state.audit`, `request.audit`, `@AuditContext()`). `log()` skips the
 * request's own event, so each request still ends in one event.
 */
const metadataSources: Record<
  string,
  (metadata: () => Record<string, unknown>) => { options?: object; route?: Partial<Route> }
> = {
  "the options' metadata mapper": (metadata: () => Record<string, unknown>) => ({
    options: { metadata },
  }),
  "the route's spec": (metadata: () => Record<string, unknown>) => ({ route: { spec: { metadata } } }),
  "the handle's set()": (metadata: () => Record<string, unknown>) => ({
    route: { work: ({ handle }: WorkContext) => void handle.set({ metadata: metadata() }) },
  }),
  "the handle's log()": (metadata: () => Record<string, unknown>) => ({
    route: {
      work({ handle }: WorkContext) {
        handle.skip();
        handle.log({
          action: 'settings.exported',
          resource: { type: 'setting', id: 's1' },
          metadata: metadata(),
        });
      },
    },
  }),
};

let serial = 0;
const plantedValue = () => `planted-${++serial}-${Math.random().toString(36).slice(2)}`;

async function withApp<T>(
  framework: (typeof adapterFrameworks)[number],
  setup: Parameters<typeof startApp>[1],
  run: (app: RunningApp) => Promise<T>,
): Promise<T> {
  const app = await startApp(framework, setup);
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}

describe.each(adapterFrameworks)('%s: secrets never reach the trail', (framework) => {
  test('17 of 17 keys of a password-change body are redacted (words inside key names)', async () => {
    const body: Record<string, string> = {};
    for (const key of plantedKeys) body[key] = plantedValue();
    await withApp(
      framework,
      {
        options: { client: harness.client, onError: harness.onError, metadata: () => ({ body }) },
        routes: [{ method: 'PUT', path: '/users/:id/password', status: 200, body: { ok: true } }],
      },
      async (app) => {
        expect((await send(app.url, 'PUT', '/users/u1/password')).status).toBe(200);
      },
    );
    const [event] = await harness.sent();
    const stored = JSON.stringify(event);
    expect(Object.keys((event!.metadata as { body: object }).body)).toEqual(plantedKeys);
    expect(Object.values(body).filter((value) => stored.includes(value))).toEqual([]);
  });

  test.each(Object.entries(metadataSources))(
    'property: a secret word anywhere in a key name, any spelling, any depth, is redacted (from %s)',
    async (_source, plant) => {
      let metadata: Record<string, unknown> = {};
      const { options, route } = plant(() => metadata);
      await withApp(
        framework,
        {
          options: { client: harness.client, onError: harness.onError, ...options },
          routes: [{ method: 'POST', path: '/settings/:id', status: 200, body: { ok: true }, ...route }],
        },
        async (app) => {
          await fc.assert(
            fc.asyncProperty(
              fc.array(secretKey, { minLength: 1, maxLength: 6 }),
              fc.nat(3),
              async (keys, depth) => {
                const values = keys.map(() => plantedValue());
                let tree: Record<string, unknown> = { note: 'kept' };
                keys.forEach((key, i) => {
                  tree[key] = values[i];
                });
                for (let d = 0; d < depth; d++) tree = { level: tree };
                metadata = { form: tree };
                expect((await send(app.url, 'POST', '/settings/s1')).status).toBe(200);
                const events = await harness.sent();
                expect(events).toHaveLength(1);
                const stored = JSON.stringify(events[0]);
                expect(stored).toContain('kept');
                expect(values.filter((value) => stored.includes(value))).toEqual([]);
              },
            ),
            { numRuns: 25 },
          );
        },
      );
    },
  );

  test('a change record naming a secret field keeps the field, not the values', async () => {
    const secrets = [plantedValue(), plantedValue(), plantedValue(), plantedValue()];
    await withApp(
      framework,
      {
        options: { client: harness.client, onError: harness.onError },
        routes: [
          {
            method: 'PATCH',
            path: '/users/:id',
            status: 200,
            body: { ok: true },
            work({ handle }) {
              handle.set({
                metadata: {
                  field: 'password',
                  old_value: secrets[0],
                  new_value: secrets[1],
                  changes: [
                    { name: 'settings.apiKey', oldValue: secrets[2], newValue: secrets[3] },
                    { field: 'email', old_value: 'a@x.io', new_value: 'b@x.io' },
                  ],
                },
              });
            },
          },
        ],
      },
      async (app) => {
        expect((await send(app.url, 'PATCH', '/users/u1')).status).toBe(200);
      },
    );
    const [event] = await harness.sent();
    const stored = JSON.stringify(event);
    expect(secrets.filter((s) => stored.includes(s))).toEqual([]);
    expect(event!.metadata).toMatchObject({
      field: 'password',
      old_value: '[REDACTED]',
      new_value: '[REDACTED]',
      changes: [
        { name: 'settings.apiKey', oldValue: '[REDACTED]', newValue: '[REDACTED]' },
        { field: 'email', old_value: 'a@x.io', new_value: 'b@x.io' },
      ],
    });
  });

  test('the request handle serializes to nothing and leads to no header', async () => {
    const bearer = plantedValue();
    const cookie = plantedValue();
    const seen: Record<string, unknown> = {};
    await withApp(
      framework,
      {
        options: { client: harness.client, onError: harness.onError },
        routes: [
          {
            method: 'DELETE',
            path: '/invoices/:id',
            status: 204,
            work({ handle, native }) {
              seen.json = JSON.stringify(handle);
              seen.keys = Object.keys(handle);
              seen.inspected = inspect(handle, { depth: 10, showHidden: true });
              seen.spread = JSON.stringify({ ...handle });
              if (framework === 'koa') seen.state = JSON.stringify((native as { state: object }).state);
              // Nest hands the handle out through `@AuditContext()` only: none on the platform's request.
              if (framework.startsWith('nestjs-')) seen.onRequest = 'audit' in (native as object);
              // A handle the app can still use after all that.
              handle.set({ metadata: { reason: 'duplicate' } });
            },
          },
        ],
      },
      async (app) => {
        const res = await send(app.url, 'DELETE', '/invoices/inv_1', undefined, {
          authorization: `Bearer ${bearer}`,
          cookie: `sid=${cookie}`,
        });
        expect(res.status).toBe(204);
      },
    );
    expect(seen.json).toBe('{}');
    expect(seen.keys).toEqual([]);
    expect(seen.spread).toBe('{}');
    const everything = JSON.stringify(seen);
    expect(everything).not.toContain(bearer);
    expect(everything).not.toContain(cookie);
    if (framework === 'koa') expect(JSON.parse(seen.state as string)).toEqual({ audit: {} });
    if (framework.startsWith('nestjs-')) expect(seen.onRequest).toBe(false);
    const [event] = await harness.sent();
    expect(event!.metadata).toMatchObject({ reason: 'duplicate' });
  });

  test('x-request-id: bounded to 1-128 visible ASCII characters, else left out', async () => {
    await withApp(
      framework,
      {
        options: { client: harness.client, onError: harness.onError },
        routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
        // Fastify ignores x-request-id unless told to make it `request.id`, its own id: then that
        // id, chosen by the client, is bounded the same way.
        ...(fastifySetsIds(framework) ? { requestIdHeader: 'x-request-id' } : {}),
      },
      async (app) => {
        const header = fc.oneof(
          fc.string({ minLength: 1, maxLength: 40 }),
          fc.stringMatching(/^[\x21-\x7e]{1,200}$/),
          fc.integer({ min: 129, max: 8_000 }).map((n) => 'r'.repeat(n)),
          fc.constantFrom('req 1', 'req\t1', 'a"b', '<script>', 'é'),
        );
        await fc.assert(
          fc.asyncProperty(header, async (id) => {
            // Header values must be valid HTTP: what cannot be sent cannot arrive.
            if (!/^[\t\x20-\x7e]*$/.test(id) || id.trim() !== id || id === '') return;
            await send(app.url, 'DELETE', '/invoices/i1', undefined, { 'x-request-id': id });
            const [event] = await harness.sent();
            const recorded = event!.metadata?.request_id as string | undefined;
            if (/^[\x21-\x7e]{1,128}$/.test(id)) expect(recorded).toBe(id);
            else expect(recorded).toBeUndefined();
          }),
          { numRuns: 40 },
        );
      },
    );
  });

  test("the framework's own request id wins over x-request-id, in every framework", async () => {
    await withApp(
      framework,
      {
        options: { client: harness.client, onError: harness.onError },
        requestId: 'own-id-7',
        routes: [{ method: 'DELETE', path: '/invoices/:id', status: 204 }],
      },
      async (app) => {
        await send(app.url, 'DELETE', '/invoices/i1', undefined, { 'x-request-id': 'client-chosen' });
      },
    );
    const [event] = await harness.sent();
    expect(event!.metadata?.request_id).toBe('own-id-7');
  });
});
