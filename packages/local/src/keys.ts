import { createHash, randomBytes } from 'node:crypto';

const KEY_SHAPE = /^al_[A-Za-z0-9_-]{8,200}$/;

/** A new secret key: `al_` and 32 random base64url characters (192 bits). */
export function generateApiKey(): string {
  return `al_${randomBytes(24).toString('base64url')}`;
}

/** True for strings that can be registered as a key: `al_` then 8-200 of `[A-Za-z0-9_-]`. */
export function isWellFormedApiKey(key: string): boolean {
  return KEY_SHAPE.test(key);
}

/** Hex SHA-256: the only form in which a key is stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The first characters, enough to tell keys apart in a listing without revealing them. */
export function keyPrefix(key: string): string {
  return key.slice(0, 7);
}

/** An opaque id with a type prefix, e.g. `acct_5f2b...`. */
export function newId(prefix: 'acct' | 'key' | 'org'): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}
