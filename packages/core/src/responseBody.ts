import { AuditLedgeError } from './errors.js';
import type { StoredEvent } from './types.js';

export function parseJson<T>(body: string): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new AuditLedgeError(
      'AL_ERR_INVALID_RESPONSE',
      'The Auditledge API answered with a body that is not JSON',
    );
  }
}

/** The stored event in a 201 answer to `POST /v1/events`. */
export function parseStored(body: string): StoredEvent {
  const parsed = parseJson<{ event?: StoredEvent }>(body);
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.event?.id !== 'string') {
    throw new AuditLedgeError(
      'AL_ERR_INVALID_RESPONSE',
      'The Auditledge API stored the event (201) but its answer did not contain it',
      { status: 201 },
    );
  }
  return parsed.event;
}
