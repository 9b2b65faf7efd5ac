import { AuditLedge, type StoredEvent } from '@auditledge/core';
import { type LocalServer, startLocalServer } from '@auditledge/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedActor, runStep, SCENARIO, type ScenarioStep } from '../../examples/shared/src/index.js';
import { FRAMEWORKS, type RunningApp, startApp } from './apps.js';

// The metadata every adapter adds to an event (DESIGN.md, section 6).
const DEFAULT_METADATA = [
  'duration_ms',
  'ip',
  'method',
  'path',
  'request_id',
  'route',
  'status',
  'user_agent',
];
const CHANGE_METADATA = ['field', 'new_value', 'old_value'];

/** The scenario's steps with their position, which names their request id. */
const steps = SCENARIO.map((step, index) => ({ step, index }));
const audited = steps.filter(({ step }) => step.event !== undefined);
const unaudited = steps.filter(({ step }) => step.event === undefined);

function summary(e: StoredEvent) {
  const actor: Record<string, string> = { id: e.actor_id };
  if (e.actor_name !== null) actor.name = e.actor_name;
  if (e.actor_email !== null) actor.email = e.actor_email;
  return {
    actor,
    action: e.action,
    resource: `${e.resource_type}:${e.resource_id}`,
    organization: e.organization_id,
  };
}

function expected(step: ScenarioStep) {
  const event = step.event!;
  return {
    actor: expectedActor(step),
    action: event.action,
    resource: event.resource,
    organization: event.organization,
  };
}

describe.each(FRAMEWORKS)('the %s example, through the shared scenario', (framework) => {
  let local: LocalServer;
  let client: AuditLedge;
  let app: RunningApp;
  const statuses: number[] = [];
  let events: StoredEvent[] = [];
  let total = 0;
  const requestId = (index: number) => `${framework}-${index}`;

  beforeAll(async () => {
    local = await startLocalServer({ port: 0, db: ':memory:' });
    // One delivery at a time: events enqueued in the same millisecond are then stored in the
    // order they happened, which is the order the trail shows them in.
    client = new AuditLedge(local.apiKey, { baseUrl: local.url, concurrency: 1 });
    app = await startApp(framework, client);
    for (const { step, index } of steps) {
      const { status } = await runStep(app.url, step, { 'x-request-id': requestId(index) });
      statuses.push(status);
    }
    await client.flush();
    ({ events, total } = await client.query({ limit: 100 }));
  });

  afterAll(async () => {
    await app?.close();
    await client?.shutdown();
    await local?.close();
  });

  it('answers every step with the status the scenario expects', () => {
    expect(statuses).toEqual(SCENARIO.map((s) => s.status));
  });

  it('records exactly the expected events, newest first: actor, action, resource, organization', () => {
    expect(total).toBe(audited.length);
    expect(events.map(summary)).toEqual(audited.map(({ step }) => expected(step)).reverse());
  });

  it("records each event with its request's metadata, plus the change record of updates", () => {
    const newestFirst = [...audited].reverse();
    expect(events).toHaveLength(newestFirst.length);
    events.forEach((event, n) => {
      const { step, index } = newestFirst[n]!;
      const change = step.event!.change;
      const metadata = event.metadata ?? {};
      expect(Object.keys(metadata).sort(), step.title).toEqual(
        [...DEFAULT_METADATA, ...(change ? CHANGE_METADATA : [])].sort(),
      );
      expect(metadata, step.title).toMatchObject({
        request_id: requestId(index),
        method: step.method,
        path: step.path,
        status: step.status,
        ...change,
      });
    });
  });

  it('leaves no trace of reads, failed requests, unknown routes and skipped updates', () => {
    const traced = new Set(events.map((e) => e.metadata?.request_id));
    const leaked = unaudited
      .filter(({ index }) => traced.has(requestId(index)))
      .map(({ step }) => step.title);
    expect(leaked).toEqual([]);
    // The scenario covers each kind.
    const kinds = unaudited.map(({ step }) =>
      step.method === 'GET' ? 'read' : step.status >= 400 ? 'failed' : 'skipped',
    );
    expect(new Set(kinds)).toEqual(new Set(['read', 'failed', 'skipped']));
  });
});
