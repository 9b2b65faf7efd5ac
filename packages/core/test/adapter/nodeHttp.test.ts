// The node-http layer Express and Koa share, on plain objects: the guard that lets the first
// auditMiddleware() own a request, and the per-route audit() body. Response timing (the finish
// callback) runs against real servers in the adapter contract suite.
import { afterEach, expect, test, vi } from 'vitest';
import {
  auditOf,
  passedAsMiddleware,
  routeAudit,
  routeAuditFactory,
  startAudit,
  withClient,
} from '../../src/adapter/nodeHttp.js';
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

test('startAudit arms the requests whose method is audited by default, after setup', () => {
  const { recorder } = recorderReporting([]);
  const armedInSetup: boolean[] = [];
  const setup = (state: RequestAudit) => armedInSetup.push(state.armed);
  expect(startAudit({}, () => new RequestAudit(), setup, recorder, 'DELETE')?.armed).toBe(true);
  expect(startAudit({}, () => new RequestAudit(), setup, recorder, 'GET')?.armed).toBe(false);
  expect(armedInSetup).toEqual([false, false]);
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

test('routeAuditFactory: every overload validates once and wraps the declaration in the adapter middleware', () => {
  const wrapped: unknown[] = [];
  const audit = routeAuditFactory<unknown, (state: RequestAudit) => RequestAudit>(
    'test-adapter',
    'routes',
    (declare) => {
      wrapped.push(declare);
      return (state) => {
        declare(state, () => 'POST /x');
        return state;
      };
    },
  );
  expect(audit('invoice.sent', { metadata: { via: 'api' } })(new RequestAudit()).spec).toMatchObject({
    action: 'invoice.sent',
    metadata: { via: 'api' },
  });
  expect(audit({ action: 'report.exported' })(new RequestAudit()).spec).toMatchObject({
    action: 'report.exported',
  });
  expect(audit(false)(new RequestAudit()).spec).toBe(false);
  expect(wrapped).toHaveLength(3);
  expect(() => audit({ acton: 'x.y' } as never)).toThrow(/audit\(\) spec\.acton.*did you mean action/);
  expect(wrapped).toHaveLength(3);
});

test('passedAsMiddleware: the factory handed to app.use() warns once and lets the request through', () => {
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  const req = { method: 'GET', headers: {} };
  const next = vi.fn(() => 'next result');
  expect(passedAsMiddleware('test-adapter-misused', req, [req, {}, next], 2)).toEqual({
    next: 'next result',
  });
  expect(passedAsMiddleware('test-adapter-misused', req, [req, {}, next], 2)).toEqual({
    next: 'next result',
  });
  expect(next).toHaveBeenCalledTimes(2);
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]![0])).toMatch(/app\.use\(auditMiddleware\) was given the factory itself/);
  expect(passedAsMiddleware('test-adapter-misused', { methods: ['POST'] }, [], 2)).toBeUndefined();
  expect(passedAsMiddleware('test-adapter-misused', undefined, [], 2)).toBeUndefined();
});

test('withClient exposes the recorder client, read-only', async () => {
  const { trail, recorder } = recorderReporting([]);
  const middleware = withClient(() => {}, recorder);
  expect(middleware.client).toBe(trail.client);
  expect(() => {
    (middleware as { client: unknown }).client = null;
  }).toThrow(TypeError);
  await trail.client.shutdown();
});
