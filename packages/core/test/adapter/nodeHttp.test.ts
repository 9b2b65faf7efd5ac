// The node-http layer Express and Koa share, on plain objects: the guard that lets the first
// auditMiddleware() own a request, and the per-route audit() body. Response timing (the finish
// callback) runs against real servers in the adapter contract suite.
import { afterEach, expect, test, vi } from 'vitest';
import { auditOf, routeAudit, startAudit } from '../../src/adapter/nodeHttp.js';
import { AuditRecorder } from '../../src/adapter/recorder.js';
import { RequestAudit } from '../../src/adapter/requestAudit.js';
import type { AuditLedgeError } from '../../src/errors.js';
import { createAuditTrail } from '../../src/testing.js';

function recorderReporting(reports: AuditLedgeError[]) {
  const trail = createAuditTrail();
  return {
    trail,
    recorder: new AuditRecorder<unknown>({ client: trail.client, onError: (e) => reports.push(e) }),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

test('startAudit: the first middleware owns the request; a second one leaves it alone', () => {
  const { recorder } = recorderReporting([]);
  const holder = {};
  const setup = vi.fn();
  const first = startAudit(holder, () => new RequestAudit(), setup, recorder, 'DELETE');
  expect(first).toBeInstanceOf(RequestAudit);
  expect(auditOf(holder)).toBe(first);
  expect(startAudit(holder, () => new RequestAudit(), setup, recorder, 'DELETE')).toBeUndefined();
  expect(auditOf(holder)).toBe(first);
  expect(setup).toHaveBeenCalledTimes(1);
});

test('startAudit never throws into the request: a failing setup leaves it unaudited, counted and reported', async () => {
  const reports: AuditLedgeError[] = [];
  const { trail, recorder } = recorderReporting(reports);
  const boom = () => {
    throw new Error('boom');
  };
  expect(startAudit({}, boom, () => {}, recorder, 'DELETE')).toBeUndefined();
  expect(startAudit({}, () => new RequestAudit(), boom, recorder, 'DELETE')).toBeUndefined();
  // A method that is not audited costs no report.
  expect(startAudit({}, boom, () => {}, recorder, 'GET')).toBeUndefined();
  expect(reports.map((e) => [e.code, e.message])).toEqual([
    ['AL_ERR_MAPPER', 'Audit event for DELETE (no route) not recorded: boom'],
    ['AL_ERR_MAPPER', 'Audit event for DELETE (no route) not recorded: boom'],
  ]);
  expect(trail.client.stats().unrecorded).toMatchObject({ mapper_error: 2, total: 2 });
  await trail.client.shutdown();
});

test('routeAudit hands the validated spec to the state and arms it', () => {
  const declare = routeAudit<unknown>('test-adapter', 'routes', 'invoice.deleted', undefined);
  const state = new RequestAudit();
  declare(state, () => 'DELETE /invoices/1');
  expect(state.spec).toMatchObject({ action: 'invoice.deleted' });
  expect(state.armed).toBe(true);
});

test('routeAudit with no middleware warns once, naming the route and where to mount', () => {
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  const declare = routeAudit<unknown>('test-adapter-unmounted', 'routers', false, undefined);
  declare(undefined, () => 'POST /heartbeat');
  declare(undefined, () => 'POST /heartbeat');
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]![0])).toMatch(/audit\(\) ran on POST \/heartbeat .*before your routers$/);
});

test('routeAudit validates its spec once, when declared', () => {
  expect(() => routeAudit<unknown>('test-adapter', 'routes', '', undefined)).toThrow(
    /audit\(\) spec\.action/,
  );
});
