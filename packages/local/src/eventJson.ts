import type { StoredEvent } from './types.js';
/** An events row as selected for the API: `metadata` is still the JSON text it was stored as. */
export type EventRow = Omit<StoredEvent, 'metadata'> & { metadata: string | null };

/** The columns of `EventRow`, in StoredEvent order. */
export const EVENT_COLUMNS =
  'id, timestamp, actor_id, actor_name, actor_email, action, resource_type, resource_id, resource_name, metadata, organization_id, api_key_id';

const str = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));

/**
 * Serialises a row as a StoredEvent. The stored metadata text is already JSON, so it is
 * spliced in as is instead of being parsed and stringified again for every read.
 *
 * @example
 * eventJson(row); // '{"id":"6f1c...","timestamp":"2024-03-07T10:00:00.000Z",...}'
 */
export function eventJson(row: EventRow): string {
  return (
    `{"id":${str(row.id)},"timestamp":${str(row.timestamp)},"actor_id":${str(row.actor_id)},` +
    `"actor_name":${str(row.actor_name)},"actor_email":${str(row.actor_email)},"action":${str(row.action)},` +
    `"resource_type":${str(row.resource_type)},"resource_id":${str(row.resource_id)},` +
    `"resource_name":${str(row.resource_name)},"metadata":${row.metadata ?? 'null'},` +
    `"organization_id":${str(row.organization_id)},"api_key_id":${str(row.api_key_id)}}`
  );
}
