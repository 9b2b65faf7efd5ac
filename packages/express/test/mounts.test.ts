import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditHarness, startAuditHarness } from '../../../test/support/auditHarness.js';
import { auditMiddleware } from '../src/index.js';

// Express's own mounts. The derivation table through nested routers and prefixes is the adapter
// contract's (test/contract/derivation.ts).
let h: AuditHarness;
let app: Express;

beforeAll(async () => {
  h = await startAuditHarness();
  app = express();
  app.use(auditMiddleware({ client: h.client, onError: h.onError }));
  const ok = (_req: express.Request, res: express.Response) => {
    res.status(204).end();
  };
  // A router in a router, mounted under a param, none with mergeParams.
  const keys = express.Router();
  keys.delete('/:keyId', ok);
  const org = express.Router();
  org.use('/api-keys', keys);
  app.use('/orgs/:orgId', org);
  const v1 = express.Router();
  v1.patch('/companies/:id', ok);
  app.use('/v1', v1);
});
afterAll(() => h.close());

// Express matches mounts case-insensitively: the template is the mount path as declared, never
// the URL's casing (`/V1/COMPANIES/c_2` was recorded under `/V1/companies/:id`).
describe('mount paths as declared', () => {
  test.each([
    ['/ORGS/42/API-KEYS/key_8', 'api_key.deleted', '/orgs/:orgId/api-keys/:keyId', 'delete'],
    ['/Orgs/42/Api-Keys/key_9', 'api_key.deleted', '/orgs/:orgId/api-keys/:keyId', 'delete'],
    ['/V1/companies/c_2', 'company.updated', '/v1/companies/:id', 'patch'],
  ] as const)('%s -> %s on %s', async (path, action, route, method) => {
    await request(app)[method](path).expect(204);
    expect(await h.sent()).toMatchObject([{ action, metadata: { route, path } }]);
    expect(h.errors).toEqual([]);
  });
});
