import { AuditLedge } from '@auditledge/core';
import { startLocalServer } from '@auditledge/local';
import { describe, expect, it } from 'vitest';
import { runStep } from '../../examples/shared/src/index.js';
import { FRAMEWORKS, startApp } from './apps.js';

const N = 40;

describe.each(FRAMEWORKS)('the %s example, closing', (framework) => {
  it('delivers at shutdown every event of the requests answered before the app closed', async () => {
    const local = await startLocalServer({ port: 0, db: ':memory:' });
    // Nothing leaves the queue on its own here: whatever reaches the trail, shutdown() delivered.
    const client = new AuditLedge(local.apiKey, {
      baseUrl: local.url,
      flushAt: 1_000,
      flushInterval: 3_600_000,
    });
    const reader = new AuditLedge(local.apiKey, { baseUrl: local.url });
    try {
      const app = await startApp(framework, client);
      const responses = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          runStep(app.url, {
            title: `invoice ${i}`,
            as: i % 2 === 0 ? 'alice' : 'carol',
            method: 'POST',
            path: '/invoices',
            body: { customer: `Customer ${i}`, amount: i },
            status: 201,
          }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(N).fill(201));
      expect(client.stats()).toMatchObject({ accepted: N, delivered: 0, queued: N });

      await app.close();
      const report = await client.shutdown({ timeout: 10_000 });

      expect(report).toMatchObject({ delivered: N, dropped: 0, pending: 0 });
      const { events, total } = await reader.query({ limit: 100 });
      expect(total).toBe(N);
      const created = responses.map((r) => (r.body as { id: string }).id);
      expect(events.map((e) => e.resource_id).sort()).toEqual(created.sort());
      expect(new Set(events.map((e) => e.action))).toEqual(new Set(['invoice.created']));
    } finally {
      await client.shutdown();
      await reader.shutdown();
      await local.close();
    }
  });
});
