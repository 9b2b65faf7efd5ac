import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ScriptedApi, startScriptedApi } from '../../../../test/support/scriptedApi.js';
import { AuditRecorder } from '../../src/adapter/recorder.js';
import { RequestAudit } from '../../src/adapter/requestAudit.js';
import { AuditLedge, type AuditLedgeError } from '../../src/index.js';

let api: ScriptedApi;
let client: AuditLedge;
beforeAll(async () => {
  api = await startScriptedApi();
  client = new AuditLedge('al_test', { baseUrl: api.url, flushInterval: 5 });
});
afterAll(async () => {
  await client.shutdown({ timeout: 1000 });
  await api.close();
});

/** Metadata like an ORM entity whose lazy field throws once its session is closed. */
function entity(): Record<string, unknown> {
  return Object.defineProperty({ id: 'inv_1' }, 'lines', {
    enumerable: true,
    get() {
      throw new Error('session closed');
    },
  });
}

const facts = {
  req: {},
  method: 'DELETE',
  route: '/invoices/:id',
  path: '/invoices/inv_1',
  params: { id: 'inv_1' },
  status: 200,
  durationMs: 1,
  user: undefined,
  ip: undefined,
  userAgent: undefined,
  requestId: undefined,
};

test('set() merges: later calls win per field, resource and metadata add up', () => {
  const state = new RequestAudit();
  expect(state.set({ action: 'a.one', resource: { id: '1' }, metadata: { a: 1 } })).toBe(state);
  state.set({ action: 'a.two', resource: { name: 'N' }, metadata: { b: 2 }, organization_id: 'o' });
  expect(state.overrides).toEqual({
    action: 'a.two',
    resource: { id: '1', name: 'N' },
    metadata: { a: 1, b: 2 },
    organization_id: 'o',
  });
});

test('set() and log() never throw into the handler; the failure reaches onError instead of a half-built event', async () => {
  const errors: AuditLedgeError[] = [];
  const recorder = new AuditRecorder({ client, onError: (e) => errors.push(e) });
  const state = new RequestAudit();
  expect(() => state.set({ metadata: entity() })).not.toThrow();
  const hostile = Object.defineProperty({}, 'action', {
    enumerable: true,
    get() {
      throw new Error('no action for you');
    },
  });
  expect(() => state.log(hostile as never)).not.toThrow();
  expect(() => state.set(null as never).set(42 as never)).not.toThrow();
  recorder.finish(state, facts);
  await client.flush();
  expect(api.stored).toEqual([]);
  expect(errors.map((e) => [e.code, (e.cause as Error).message])).toEqual([
    ['AL_ERR_MAPPER', 'session closed'],
    ['AL_ERR_MAPPER', 'no action for you'],
  ]);
});

test('log() keeps a copy: the handler may reuse its object', async () => {
  const recorder = new AuditRecorder({ client });
  const state = new RequestAudit();
  const event = { action: 'invoice.emailed', resource: { type: 'invoice', id: '1' } };
  state.log(event);
  event.action = 'changed.later';
  recorder.finish(state, { ...facts, method: 'GET' });
  await client.flush();
  expect(api.stored.splice(0).map((e) => e.action)).toEqual(['invoice.emailed']);
});
