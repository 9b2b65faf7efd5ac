import { randomBytes } from 'node:crypto';
import { applyChanges } from './changes.js';
import { HttpError } from './httpError.js';
import { bodyOf, optionalAmount, optionalChoice, optionalText, requiredText } from './input.js';
import { API_KEYS, INVOICES, ORGANIZATIONS, USERS } from './seed.js';
import type { ApiKey, Change, Invoice, Organization, Role, User } from './types.js';

const roles: readonly Role[] = ['admin', 'member'];

/**
 * The example SaaS in memory: organizations (the tenants), their users, invoices and API keys.
 * Every method takes the authenticated user (or `undefined`) and enforces the tenant boundary
 * and the role, throwing `HttpError`, so the three apps hold only framework code.
 * Ids are sequential per store, so a fresh store always hands out the same ones.
 */
export class SaasStore {
  readonly #organizations = new Map<string, Organization>();
  readonly #users = new Map<string, User>();
  readonly #tokens = new Map<string, string>();
  readonly #invoices = new Map<string, Invoice>();
  readonly #apiKeys = new Map<string, ApiKey>();
  #nextUser = USERS.length + 1;
  #nextInvoice = INVOICES.length + 1;
  #nextKey = API_KEYS.length + 1;

  constructor() {
    for (const org of ORGANIZATIONS) this.#organizations.set(org.id, { ...org });
    for (const { token, ...user } of USERS) {
      this.#users.set(user.id, user);
      this.#tokens.set(token, user.id);
    }
    for (const invoice of INVOICES) this.#invoices.set(invoice.id, { ...invoice });
    for (const key of API_KEYS) this.#apiKeys.set(key.id, { ...key });
  }

  /**
   * The user of an `Authorization: Bearer <token>` header; `undefined` without the header.
   * An unknown token is a 401, not an anonymous request.
   */
  authenticate(authorization: string | undefined): User | undefined {
    if (authorization === undefined || authorization === '') return undefined;
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    const userId = token === undefined ? undefined : this.#tokens.get(token);
    const user = userId === undefined ? undefined : this.#users.get(userId);
    if (user === undefined) throw new HttpError(401, 'Invalid token');
    return user;
  }

  /** Public sign-up: a new organization with its first (admin) user and a token for them. */
  signup(body: unknown): { organization: Organization; user: User; token: string } {
    const input = bodyOf(body);
    const company = requiredText(input, 'company');
    const slug = company
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '');
    const id = `org_${slug || 'new'}`;
    if (this.#organizations.has(id)) throw new HttpError(409, `${company} already has an account`);
    const organization = { id, name: company };
    this.#organizations.set(id, organization);
    const user = this.#addUser(id, input, 'admin');
    const token = `tok_${randomBytes(12).toString('hex')}`;
    this.#tokens.set(token, user.id);
    return { organization, user, token };
  }

  listInvoices(actor: User | undefined): Invoice[] {
    const user = member(actor);
    return [...this.#invoices.values()].filter((i) => i.organizationId === user.organizationId);
  }

  getInvoice(actor: User | undefined, id: string): Invoice {
    return this.#invoice(member(actor), id);
  }

  createInvoice(actor: User | undefined, body: unknown): Invoice {
    const user = member(actor);
    const input = bodyOf(body);
    const n = this.#nextInvoice++;
    const invoice: Invoice = {
      id: `inv_${n}`,
      organizationId: user.organizationId,
      number: `INV-${String(n).padStart(4, '0')}`,
      customer: requiredText(input, 'customer'),
      amount: optionalAmount(input, 'amount') ?? 0,
      status: 'draft',
    };
    this.#invoices.set(invoice.id, invoice);
    return invoice;
  }

  /** Updates `customer` and/or `amount` of a draft; `change` is `undefined` when nothing changed. */
  updateInvoice(actor: User | undefined, id: string, body: unknown): { invoice: Invoice; change?: Change } {
    const invoice = this.#invoice(member(actor), id);
    const input = bodyOf(body);
    const patch = { customer: optionalText(input, 'customer'), amount: optionalAmount(input, 'amount') };
    if (invoice.status !== 'draft' && (patch.customer ?? patch.amount) !== undefined) {
      throw new HttpError(409, `${invoice.number} was already sent`);
    }
    return { invoice, change: applyChanges(invoice, patch) };
  }

  deleteInvoice(actor: User | undefined, id: string): Invoice {
    const invoice = this.#invoice(member(actor), id);
    this.#invoices.delete(id);
    return invoice;
  }

  sendInvoice(actor: User | undefined, id: string): Invoice {
    const invoice = this.#invoice(member(actor), id);
    if (invoice.status === 'sent') throw new HttpError(409, `${invoice.number} was already sent`);
    invoice.status = 'sent';
    return invoice;
  }

  listUsers(actor: User | undefined): User[] {
    const user = member(actor);
    return [...this.#users.values()].filter((u) => u.organizationId === user.organizationId);
  }

  createUser(actor: User | undefined, body: unknown): User {
    const admin = adminOf(actor);
    const input = bodyOf(body);
    return this.#addUser(admin.organizationId, input, optionalChoice(input, 'role', roles) ?? 'member');
  }

  /** Updates `name` and/or `role`; `change` is `undefined` when nothing changed. */
  updateUser(actor: User | undefined, id: string, body: unknown): { user: User; change?: Change } {
    const user = this.#user(adminOf(actor), id);
    const input = bodyOf(body);
    const patch = { name: optionalText(input, 'name'), role: optionalChoice(input, 'role', roles) };
    return { user, change: applyChanges(user, patch) };
  }

  deleteUser(actor: User | undefined, id: string): User {
    const admin = adminOf(actor);
    const user = this.#user(admin, id);
    if (user.id === admin.id) throw new HttpError(409, 'You cannot delete yourself');
    this.#users.delete(id);
    for (const [token, userId] of this.#tokens) if (userId === id) this.#tokens.delete(token);
    return user;
  }

  listApiKeys(actor: User | undefined, orgId: string): ApiKey[] {
    const user = ownOrganization(member(actor), orgId);
    return [...this.#apiKeys.values()].filter((k) => k.organizationId === user.organizationId);
  }

  createApiKey(actor: User | undefined, orgId: string, body: unknown): ApiKey {
    const admin = ownOrganization(adminOf(actor), orgId);
    const key: ApiKey = {
      id: `key_${this.#nextKey++}`,
      organizationId: admin.organizationId,
      name: requiredText(bodyOf(body), 'name'),
    };
    this.#apiKeys.set(key.id, key);
    return key;
  }

  deleteApiKey(actor: User | undefined, orgId: string, keyId: string): ApiKey {
    const admin = ownOrganization(adminOf(actor), orgId);
    const key = this.#apiKeys.get(keyId);
    if (key === undefined || key.organizationId !== admin.organizationId) {
      throw new HttpError(404, `API key ${keyId} not found`);
    }
    this.#apiKeys.delete(keyId);
    return key;
  }

  #addUser(organizationId: string, input: Record<string, unknown>, role: Role): User {
    const email = requiredText(input, 'email').toLowerCase();
    if ([...this.#users.values()].some((u) => u.email === email)) {
      throw new HttpError(409, `${email} already has an account`);
    }
    const user: User = {
      id: `usr_${this.#nextUser++}`,
      name: requiredText(input, 'name'),
      email,
      organizationId,
      role,
    };
    this.#users.set(user.id, user);
    return user;
  }

  // Another tenant's records answer 404, like missing ones: existence does not leak across tenants.
  #invoice(user: User, id: string): Invoice {
    const invoice = this.#invoices.get(id);
    if (invoice === undefined || invoice.organizationId !== user.organizationId) {
      throw new HttpError(404, `Invoice ${id} not found`);
    }
    return invoice;
  }

  #user(admin: User, id: string): User {
    const user = this.#users.get(id);
    if (user === undefined || user.organizationId !== admin.organizationId) {
      throw new HttpError(404, `User ${id} not found`);
    }
    return user;
  }
}

function member(actor: User | undefined): User {
  if (actor === undefined) throw new HttpError(401, 'Sign in first: send Authorization: Bearer <token>');
  return actor;
}

function adminOf(actor: User | undefined): User {
  const user = member(actor);
  if (user.role !== 'admin') throw new HttpError(403, 'Only admins can do that');
  return user;
}

function ownOrganization(user: User, orgId: string): User {
  if (orgId !== user.organizationId) throw new HttpError(403, `You are not a member of ${orgId}`);
  return user;
}
