import type { ApiKey, Invoice, Organization, User } from './types.js';

/**
 * Bearer tokens of the seeded users. A real app verifies a session or a JWT; a table keeps
 * the examples about auditing.
 */
export const TOKENS = {
  alice: 'tok_alice',
  bob: 'tok_bob',
  carol: 'tok_carol',
} as const;

export type SeedUser = keyof typeof TOKENS;

export const ORGANIZATIONS: readonly Organization[] = [
  { id: 'org_acme', name: 'Acme Inc' },
  { id: 'org_globex', name: 'Globex Corp' },
];

export const USERS: readonly (User & { token: string })[] = [
  {
    id: 'usr_1',
    name: 'Alice Martin',
    email: 'alice@acme.test',
    organizationId: 'org_acme',
    role: 'admin',
    token: TOKENS.alice,
  },
  {
    id: 'usr_2',
    name: 'Bob Stone',
    email: 'bob@acme.test',
    organizationId: 'org_acme',
    role: 'member',
    token: TOKENS.bob,
  },
  {
    id: 'usr_3',
    name: 'Carol Diaz',
    email: 'carol@globex.test',
    organizationId: 'org_globex',
    role: 'admin',
    token: TOKENS.carol,
  },
];

export const INVOICES: readonly Invoice[] = [
  {
    id: 'inv_1',
    organizationId: 'org_acme',
    number: 'INV-0001',
    customer: 'Hooli',
    amount: 500,
    status: 'draft',
  },
  {
    id: 'inv_2',
    organizationId: 'org_acme',
    number: 'INV-0002',
    customer: 'Umbrella',
    amount: 900,
    status: 'sent',
  },
  {
    id: 'inv_3',
    organizationId: 'org_globex',
    number: 'INV-0003',
    customer: 'Soylent',
    amount: 300,
    status: 'draft',
  },
];

export const API_KEYS: readonly ApiKey[] = [
  { id: 'key_1', organizationId: 'org_acme', name: 'Production' },
  { id: 'key_2', organizationId: 'org_globex', name: 'Production' },
];
