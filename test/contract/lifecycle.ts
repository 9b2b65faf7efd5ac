// The client's life around the app: the no-options form (a key from the environment, or the
// shared in-memory trail under AUDITLEDGE_TEST), the setup error without a key, the client the
// adapter creates reporting to the same onError, and a shutdown that loses no event. These
// deliver over real HTTP to a scripted API on loopback.
import type { AuditLedgeError, ErrorContext } from '@auditledge/core';
import { sharedAuditTrail } from '@auditledge/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../support/scriptedApi.js';
import type { ContractAdapter, Route, RunningApp } from './adapter.js';
import { send } from './http.js';

const routes: Route[] = [
  { method: 'DELETE', path: '/invoices/:id', status: 204 },
  { method: 'POST', path: '/invoices', status: 201, body: { id: 'inv_1' } },
];

export function lifecycle(adapter: ContractAdapter): void {
  describe('lifecycle', () => {
    let api: ScriptedApi;
    let app: RunningApp | undefined;
    beforeAll(async () => {
      api = await startScriptedApi();
    });
    afterEach(async () => {
      await app?.close();
      app = undefined;
      api.stored.length = 0;
      api.script(() => undefined);
      vi.unstubAllEnvs();
    });
    afterAll(() => api.close());

    test('with no options at all: the client comes from AUDITLEDGE_API_KEY and AUDITLEDGE_BASE_URL', async () => {
      vi.stubEnv('AUDITLEDGE_API_KEY', 'al_from_env');
      vi.stubEnv('AUDITLEDGE_BASE_URL', api.url);
      app = await adapter.start({ options: undefined, routes });
      expect((await send(app.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
      await app.shutdown();
      expect(api.stored).toMatchObject([
        { action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_1' }, actor: { id: 'anonymous' } },
      ]);
      expect(api.received.at(-1)?.headers.authorization).toBe('Bearer al_from_env');
    });

    test('with no client, no apiKey and no AUDITLEDGE_API_KEY, setup fails with AL_ERR_CONFIG', async () => {
      vi.stubEnv('AUDITLEDGE_API_KEY', '');
      await expect(adapter.start({ options: undefined, routes })).rejects.toMatchObject({
        code: 'AL_ERR_CONFIG',
      });
    });

    test('AUDITLEDGE_TEST=1 and no options: no key, no network; events land in the shared in-memory trail', async () => {
      vi.stubEnv('AUDITLEDGE_TEST', '1');
      vi.stubEnv('AUDITLEDGE_API_KEY', '');
      const trail = sharedAuditTrail();
      trail.clear();
      app = await adapter.start({ options: undefined, routes });
      expect((await send(app.url, 'DELETE', '/invoices/inv_3')).status).toBe(204);
      await new Promise((resolve) => setImmediate(resolve));
      await trail.flush();
      expect(trail.events).toContainEqual(
        expect.objectContaining({ action: 'invoice.deleted', resource: { type: 'invoice', id: 'inv_3' } }),
      );
    });

    test('graceful shutdown loses no event the flush interval still held', async () => {
      // A long flush interval: only the shutdown can deliver these events.
      const options = { apiKey: 'al_shutdown', baseUrl: api.url, flushInterval: 60_000, flushAt: 1000 };
      const started = await adapter.start({ options, routes });
      const statuses = await Promise.all([1, 2, 3].map(() => send(started.url, 'POST', '/invoices')));
      expect(statuses.map((s) => s.status)).toEqual([201, 201, 201]);
      expect(api.stored).toEqual([]);
      await started.shutdown();
      expect(api.stored).toHaveLength(3);
    });

    test('the client the adapter creates reports delivery failures to the same onError', async () => {
      api.script(() => ({ status: 400, body: { error: 'Missing required fields' } }));
      const errors: [AuditLedgeError, ErrorContext][] = [];
      const options = {
        apiKey: 'al_x',
        baseUrl: api.url,
        flushInterval: 5,
        onError: (error: AuditLedgeError, context: ErrorContext) => errors.push([error, context]),
      };
      const started = await adapter.start({ options, routes });
      expect((await send(started.url, 'DELETE', '/invoices/inv_1')).status).toBe(204);
      await started.shutdown();
      expect(errors.map(([e, c]) => [e.code, c.operation])).toContainEqual(['AL_ERR_BAD_REQUEST', 'deliver']);
    });
  });
}
