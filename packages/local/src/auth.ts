import type { AccountStore, KeyRecord } from './accounts.js';
import { HttpError } from './httpError.js';

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Resolves `Authorization: Bearer al_...` to its key and account, or throws the hosted
 * API's 401s: a header that is absent or not a single bearer token is `Missing or invalid
 * authorization header`; a well-formed header with an unknown or revoked key is `Invalid API key`.
 *
 * @example
 * const { account, keyId } = authenticate(req.headers.authorization, accounts);
 */
export function authenticate(header: string | undefined, accounts: AccountStore): KeyRecord {
  const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (token === undefined) throw new HttpError(401, 'Missing or invalid authorization header');
  const record = token.startsWith('al_') ? accounts.authenticate(token) : undefined;
  if (!record) throw new HttpError(401, 'Invalid API key');
  return record;
}
