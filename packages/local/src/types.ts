import type { Plan } from './plans.js';

/** An event as the API returns it: flat, snake_case, optional fields `null`. */
export interface StoredEvent {
  /** A UUID assigned by the server. */
  id: string;
  /** ISO 8601 in UTC with milliseconds, e.g. `2024-03-07T10:00:00.000Z`. */
  timestamp: string;
  actor_id: string;
  actor_name: string | null;
  actor_email: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  resource_name: string | null;
  metadata: Record<string, unknown> | null;
  organization_id: string | null;
  /** The id (not the secret) of the API key that wrote the event. */
  api_key_id: string;
}

/** Body of a `201` from `POST /v1/events`. */
export interface CreateEventResponse {
  success: true;
  event: StoredEvent;
}

/** Body of a `200` from `GET /v1/events`. */
export interface EventsPage {
  events: StoredEvent[];
  /** Matches for the filters, ignoring `limit` and `offset`. */
  total: number;
  /** The limit applied (after clamping to 1000). */
  limit: number;
  offset: number;
}

/** Body of a `200` from `GET /v1/usage`. */
export interface Usage {
  plan: Plan;
  /** Events accepted since the start of the current calendar month (UTC). */
  events_this_month: number;
  events_limit: number | null;
  retention_days: number | null;
}

/** Body of every error response. */
export interface ErrorBody {
  error: string;
}
