import { createAuditTrail } from '@auditledge/core/testing';
import express from 'express';
import request from 'supertest';
import { expect, test } from 'vitest';
import { auditMiddleware } from '../src/index.js';

// When the adapter itself cannot set a request up (here another middleware pinned `req.route`
// as a non-configurable property, so the adapter cannot install its routing accessors), the
// request is answered as usual and the missing event is heard: counted and reported, never
// swallowed (before, a catch swallowed it: under jest 26 every request went unaudited silently).
test('a request the adapter cannot set up is answered, counted as unrecorded and reported', async () => {
  const trail = createAuditTrail();
  const errors: { code: string; message: string; method?: string | undefined }[] = [];
  const app = express();
  app.use((req, _res, next) => {
    Object.defineProperty(req, 'route', { value: undefined, writable: true, configurable: false });
    next();
  });
  app.use(
    auditMiddleware({
      client: trail.client,
      onError: (error, context) =>
        errors.push({ code: error.code, message: error.message, method: context.method }),
    }),
  );
  app.delete('/invoices/:id', (_req, res) => res.status(204).end());

  await request(app).delete('/invoices/inv_1').expect(204);
  await trail.flush();
  expect(trail.events).toEqual([]);
  expect(trail.client.stats().unrecorded).toMatchObject({ mapper_error: 1, total: 1 });
  expect(errors).toEqual([
    {
      code: 'AL_ERR_MAPPER',
      message: expect.stringMatching(/^Audit event for DELETE .* not recorded: .*route/),
      method: 'DELETE',
    },
  ]);
  await request(app).get('/invoices').expect(404); // a GET is not audited: nothing more is reported
  expect(errors).toHaveLength(1);
  await trail.client.shutdown();
});
