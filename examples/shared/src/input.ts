import { HttpError } from './httpError.js';

type Body = Record<string, unknown>;

/** The JSON request body as an object; anything else is a 400. */
export function bodyOf(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'Expected a JSON object');
  return body as Body;
}

export function requiredText(body: Body, field: string): string {
  const value = optionalText(body, field);
  if (value === undefined) throw new HttpError(400, `Missing required field: ${field}`);
  return value;
}

export function optionalText(body: Body, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new HttpError(400, `Invalid ${field}: expected a non-empty string`);
  }
  return value.trim();
}

export function optionalAmount(body: Body, field: string): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new HttpError(400, `Invalid ${field}: expected a non-negative number`);
  }
  return value;
}

export function optionalChoice<T extends string>(
  body: Body,
  field: string,
  choices: readonly T[],
): T | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!choices.includes(value as T))
    throw new HttpError(400, `Invalid ${field}: expected ${choices.join(' or ')}`);
  return value as T;
}
