import { type SeedUser, TOKENS, USERS } from './seed.js';
import type { Change } from './types.js';

/** An event the audit trail must hold after a step. */
export interface ExpectedEvent {
  action: string;
  /** `type:id`. */
  resource: string;
  organization: string;
  /** The `{ field, old_value, new_value }` change record, for updates. */
  change?: Change;
  /** The actor, when it is not the step's signed-in user (a sign-up is done by the new user). */
  actor?: { id: string; name?: string; email?: string };
}

export interface ScenarioStep {
  title: string;
  /** Whose bearer token the request carries. */
  as: SeedUser | 'anonymous';
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
  /** The status the app must answer with. */
  status: number;
  /** The event it records; absent when the request must leave no trace. */
  event?: ExpectedEvent;
}

/**
 * The same story told to each example app: two tenants (Acme: Alice the admin, Bob a member;
 * Globex: Carol), creates, updates, deletes, a send, requests that fail, reads, a no-op update
 * and an anonymous sign-up. Ids are those a fresh `SaasStore` hands out.
 */
export const SCENARIO: readonly ScenarioStep[] = [
  { title: 'health check', as: 'anonymous', method: 'GET', path: '/health', status: 200 },
  { title: 'Alice lists invoices', as: 'alice', method: 'GET', path: '/invoices', status: 200 },
  {
    title: 'Alice creates an invoice',
    as: 'alice',
    method: 'POST',
    path: '/invoices',
    body: { customer: 'Initech', amount: 1200 },
    status: 201,
    event: { action: 'invoice.created', resource: 'invoice:inv_4', organization: 'org_acme' },
  },
  {
    title: 'Bob changes its amount',
    as: 'bob',
    method: 'PATCH',
    path: '/invoices/inv_4',
    body: { amount: 1500 },
    status: 200,
    event: {
      action: 'invoice.updated',
      resource: 'invoice:inv_4',
      organization: 'org_acme',
      change: { field: 'amount', old_value: 1200, new_value: 1500 },
    },
  },
  {
    title: 'Bob saves it again unchanged (skipped)',
    as: 'bob',
    method: 'PATCH',
    path: '/invoices/inv_4',
    body: { amount: 1500 },
    status: 200,
  },
  {
    title: 'Alice sends it',
    as: 'alice',
    method: 'POST',
    path: '/invoices/inv_4/send',
    status: 200,
    event: { action: 'invoice.sent', resource: 'invoice:inv_4', organization: 'org_acme' },
  },
  { title: 'Bob sends it twice (409)', as: 'bob', method: 'POST', path: '/invoices/inv_4/send', status: 409 },
  {
    title: 'Carol creates an invoice at Globex',
    as: 'carol',
    method: 'POST',
    path: '/invoices',
    body: { customer: 'Acme Inc', amount: 80 },
    status: 201,
    event: { action: 'invoice.created', resource: 'invoice:inv_5', organization: 'org_globex' },
  },
  {
    title: "Carol tries to delete Acme's invoice (404)",
    as: 'carol',
    method: 'DELETE',
    path: '/invoices/inv_1',
    status: 404,
  },
  {
    title: 'Carol deletes her invoice',
    as: 'carol',
    method: 'DELETE',
    path: '/invoices/inv_5',
    status: 204,
    event: { action: 'invoice.deleted', resource: 'invoice:inv_5', organization: 'org_globex' },
  },
  {
    title: 'Alice invites Dave',
    as: 'alice',
    method: 'POST',
    path: '/users',
    body: { name: 'Dave Chen', email: 'dave@acme.test' },
    status: 201,
    event: { action: 'user.created', resource: 'user:usr_4', organization: 'org_acme' },
  },
  {
    title: 'Bob, a member, tries to remove Dave (403)',
    as: 'bob',
    method: 'DELETE',
    path: '/users/usr_4',
    status: 403,
  },
  {
    title: 'Alice makes Bob an admin',
    as: 'alice',
    method: 'PATCH',
    path: '/users/usr_2',
    body: { role: 'admin' },
    status: 200,
    event: {
      action: 'user.updated',
      resource: 'user:usr_2',
      organization: 'org_acme',
      change: { field: 'role', old_value: 'member', new_value: 'admin' },
    },
  },
  {
    title: 'Alice removes Dave',
    as: 'alice',
    method: 'DELETE',
    path: '/users/usr_4',
    status: 204,
    event: { action: 'user.deleted', resource: 'user:usr_4', organization: 'org_acme' },
  },
  {
    title: 'Alice creates an API key',
    as: 'alice',
    method: 'POST',
    path: '/orgs/org_acme/api-keys',
    body: { name: 'CI' },
    status: 201,
    event: { action: 'api_key.created', resource: 'api_key:key_3', organization: 'org_acme' },
  },
  {
    title: 'Alice revokes the old one',
    as: 'alice',
    method: 'DELETE',
    path: '/orgs/org_acme/api-keys/key_1',
    status: 204,
    event: { action: 'api_key.deleted', resource: 'api_key:key_1', organization: 'org_acme' },
  },
  {
    title: "Carol tries to revoke Acme's key (403)",
    as: 'carol',
    method: 'DELETE',
    path: '/orgs/org_acme/api-keys/key_3',
    status: 403,
  },
  {
    title: 'Alice posts to a route that does not exist (404)',
    as: 'alice',
    method: 'POST',
    path: '/invoice',
    body: { customer: 'Typo Ltd' },
    status: 404,
  },
  {
    title: 'Someone creates an invoice without signing in (401)',
    as: 'anonymous',
    method: 'POST',
    path: '/invoices',
    body: { customer: 'Nobody' },
    status: 401,
  },
  {
    title: 'Peter signs up Initech (anonymous)',
    as: 'anonymous',
    method: 'POST',
    path: '/signup',
    body: { company: 'Initech', name: 'Peter Gibbons', email: 'peter@initech.test' },
    status: 201,
    event: {
      action: 'organization.created',
      resource: 'organization:org_initech',
      organization: 'org_initech',
      // Nobody is signed in yet: the actor is the user the response describes.
      actor: { id: 'usr_5', name: 'Peter Gibbons', email: 'peter@initech.test' },
    },
  },
];

/** The actor the event of a step must carry: its own, else the step's signed-in user. */
export function expectedActor(step: ScenarioStep): { id: string; name?: string; email?: string } {
  if (step.event?.actor !== undefined) return step.event.actor;
  if (step.as === 'anonymous') return { id: 'anonymous' };
  const as = step.as;
  const user = USERS.find((u) => u.token === TOKENS[as])!;
  return { id: user.id, name: user.name, email: user.email };
}

/**
 * Sends one step to an app at `baseUrl`, with the step's token and any extra headers.
 *
 * @example
 * const { status } = await runStep('http://127.0.0.1:3000', SCENARIO[2]);
 */
export async function runStep(
  baseUrl: string,
  step: ScenarioStep,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const h: Record<string, string> = { ...headers };
  if (step.as !== 'anonymous') h.authorization = `Bearer ${TOKENS[step.as]}`;
  if (step.body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${step.path}`, {
    method: step.method,
    headers: h,
    body: step.body === undefined ? undefined : JSON.stringify(step.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a framework's default 404 page, say): keep the text.
  }
  return { status: res.status, body };
}
