import { AuditLedge, AuditLedgeNotFoundError, type StoredEvent } from '@auditledge/core';
import { type LocalServer, startLocalServer } from '@auditledge/local';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

// The real client against the real local API: what one writes, the other reads back.
describe('@auditledge/core against @auditledge/local', () => {
  let local: LocalServer;
  let audit: AuditLedge;

  beforeEach(async () => {
    local = await startLocalServer({ port: 0, db: ':memory:', organizationId: 'org_main' });
    // flushAt 1: each log() is sent at once instead of waiting for the flush interval.
    audit = new AuditLedge(local.apiKey, { baseUrl: local.url, flushAt: 1 });
  });

  afterEach(async () => {
    await audit.shutdown();
    await local.close();
  });

  const invoice = (id: string, action = 'invoice.updated') => ({
    actor: { id: 'user_1', name: 'Alice Martin', email: 'alice@example.com' },
    action,
    resource: { type: 'invoice', id, name: `Invoice ${id}` },
  });

  test('log resolves with the stored event, and get reads it back', async () => {
    const event = await audit.log({
      ...invoice('inv_1'),
      metadata: { field: 'status', old_value: 'draft', new_value: 'sent' },
    });
    expect(event).toMatchObject({
      actor_id: 'user_1',
      actor_name: 'Alice Martin',
      actor_email: 'alice@example.com',
      action: 'invoice.updated',
      resource_type: 'invoice',
      resource_id: 'inv_1',
      resource_name: 'Invoice inv_1',
      metadata: { field: 'status', old_value: 'draft', new_value: 'sent' },
      organization_id: 'org_main',
    });
    expect(await audit.get(event.id)).toEqual(event);
  });

  test('get of an unknown id, or of another account, rejects with AuditLedgeNotFoundError', async () => {
    const other = local.createAccount();
    const theirs = new AuditLedge(other.apiKey, { baseUrl: local.url, flushAt: 1 });
    const hidden = await theirs.log(invoice('inv_9'));
    await theirs.shutdown();
    await expect(audit.get('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      AuditLedgeNotFoundError,
    );
    await expect(audit.get(hidden.id)).rejects.toMatchObject({ status: 404 });
  });

  test('query applies the filters, pages, and counts the total', async () => {
    await audit.log({ ...invoice('inv_1', 'invoice.created'), timestamp: '2024-03-01T10:00:00.000Z' });
    await audit.log({ ...invoice('inv_2', 'invoice.deleted'), timestamp: '2024-03-02T10:00:00.000Z' });
    await audit.log({
      actor: { id: 'user_2', name: 'Bob Stone' },
      action: 'user.login',
      resource: { type: 'session', id: 's_1' },
      organization_id: 'org_other',
      timestamp: new Date('2024-03-03T10:00:00.000Z'),
    });

    const all = await audit.query();
    expect(all.events.map((e) => e.resource_id)).toEqual(['s_1', 'inv_2', 'inv_1']);
    expect(all).toMatchObject({ total: 3, limit: 20, offset: 0 });

    expect((await audit.query({ search: 'INVOICE' })).total).toBe(2);
    expect((await audit.query({ actor_id: 'user_2' })).events.map((e) => e.action)).toEqual(['user.login']);
    expect((await audit.query({ actor_name: 'martin' })).total).toBe(2);
    expect((await audit.query({ action: 'delete' })).events.map((e) => e.resource_id)).toEqual(['inv_2']);
    expect((await audit.query({ resource_type: 'session' })).total).toBe(1);
    expect((await audit.query({ organization_id: 'org_other' })).total).toBe(1);
    const range = await audit.query({
      start_date: '2024-03-02',
      end_date: new Date('2024-03-03T10:00:00.000Z'),
    });
    expect(range.events.map((e) => e.resource_id)).toEqual(['s_1', 'inv_2']);
    expect(await audit.query({ limit: 1, offset: 1 })).toMatchObject({
      total: 3,
      limit: 1,
      offset: 1,
      events: [expect.objectContaining({ resource_id: 'inv_2' })],
    });
  });

  test('export returns every match as JSON or as the documented CSV', async () => {
    const first = await audit.log({ ...invoice('inv_1'), timestamp: '2024-03-01T00:00:00.000Z' });
    const second = await audit.log({
      ...invoice('inv_2'),
      actor: { id: '=HYPERLINK("x")', name: 'Smith, Jo' },
      timestamp: '2024-03-02T00:00:00.000Z',
    });

    const json: StoredEvent[] = await audit.export();
    expect(json.map((e) => e.id)).toEqual([second.id, first.id]);
    expect(await audit.export({ format: 'json', actor_id: 'user_1' })).toEqual([first]);

    const csv = await audit.export({ format: 'csv' });
    expect(csv.split('\r\n')).toEqual([
      'id,timestamp,actor_id,actor_name,action,resource_type,resource_id,resource_name,organization_id',
      `${second.id},2024-03-02T00:00:00.000Z,"'=HYPERLINK(""x"")","Smith, Jo",invoice.updated,invoice,inv_2,Invoice inv_2,org_main`,
      `${first.id},2024-03-01T00:00:00.000Z,user_1,Alice Martin,invoice.updated,invoice,inv_1,Invoice inv_1,org_main`,
      '',
    ]);
  });

  test('usage reports the plan and counts what was logged', async () => {
    expect(await audit.usage()).toEqual({
      plan: 'free',
      events_this_month: 0,
      events_limit: 10_000,
      retention_days: 14,
    });
    for (let i = 0; i < 5; i++) audit.enqueue(invoice(`inv_${i}`));
    await audit.flush();
    expect((await audit.usage()).events_this_month).toBe(5);
    local.setPlan(local.accountId, 'pro');
    expect(await audit.usage()).toMatchObject({ plan: 'pro', events_limit: null, retention_days: null });
  });

  test('an event sent twice with one id (Idempotency-Key) is stored and counted once', async () => {
    const id = '0190c5e2-7b1a-7c3d-9e4f-123456789abc';
    const first = await audit.log(invoice('inv_1'), { id });
    const again = await audit.log(invoice('inv_1'), { id });
    expect(again).toEqual(first);
    expect((await audit.query()).total).toBe(1);
    expect((await audit.usage()).events_this_month).toBe(1);
  });

  test('events enqueued in a burst all arrive, none twice', async () => {
    for (let i = 0; i < 200; i++) audit.enqueue(invoice(`inv_${i}`));
    await audit.flush();
    expect(audit.stats()).toMatchObject({ delivered: 200, queued: 0, inFlight: 0 });
    const stored = await audit.export();
    expect(stored).toHaveLength(200);
    expect(new Set(stored.map((e) => e.resource_id)).size).toBe(200);
  });
});
