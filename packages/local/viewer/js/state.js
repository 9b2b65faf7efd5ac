// What the page shows is a function of its URL query, so any view can be reloaded, shared or
// reached with the back button. The filter names are the API's own.

/** The filters of GET /v1/events, in the order the form shows them. */
export const FILTERS = /** @type {const} */ ([
  'search',
  'actor_name',
  'actor_id',
  'action',
  'resource_type',
  'organization_id',
  'start_date',
  'end_date',
]);

export const PAGE_SIZE = 50;

/**
 * @typedef {{ kind: 'resource', type: string, id: string } | { kind: 'actor', id: string }} Timeline
 * @typedef {{ filters: Record<string, string>, offset: number, event: string | null, timeline: Timeline | null }} ViewState
 */

/**
 * @param {string} search `location.search`
 * @returns {ViewState}
 */
export function readState(search) {
  const q = new URLSearchParams(search);
  /** @type {Record<string, string>} */
  const filters = {};
  for (const name of FILTERS) {
    const value = q.get(name)?.trim();
    if (value) filters[name] = value;
  }
  const offset = Math.max(0, Math.floor(Number(q.get('offset')) || 0));
  /** @type {Timeline | null} */
  let timeline = null;
  const kind = q.get('timeline');
  const id = q.get('id');
  const type = q.get('type');
  if (kind === 'resource' && id && type) timeline = { kind, type, id };
  else if (kind === 'actor' && id) timeline = { kind, id };
  return { filters, offset, event: q.get('event') || null, timeline };
}

/**
 * The URL query of a state, e.g. `?action=invoice&offset=50`.
 * @param {ViewState} state
 */
export function toSearch(state) {
  const q = new URLSearchParams();
  for (const name of FILTERS) {
    const value = state.filters[name];
    if (value) q.set(name, value);
  }
  if (state.offset > 0) q.set('offset', String(state.offset));
  if (state.timeline) {
    q.set('timeline', state.timeline.kind);
    if (state.timeline.kind === 'resource') q.set('type', state.timeline.type);
    q.set('id', state.timeline.id);
  }
  if (state.event) q.set('event', state.event);
  const text = q.toString();
  return text ? `?${text}` : (globalThis.location?.pathname ?? '/');
}

/**
 * The filters as API query parameters. Dates in the form are days of the user's calendar;
 * the API reads a bare date as a UTC day, so each is sent as the instant its local day
 * starts or ends.
 * @param {Record<string, string>} filters
 */
export function apiFilters(filters) {
  const q = new URLSearchParams();
  for (const name of FILTERS) {
    const value = filters[name];
    if (!value) continue;
    if (name === 'start_date' || name === 'end_date') {
      const instant = localDayBound(value, name === 'end_date');
      if (instant) q.set(name, instant);
    } else q.set(name, value);
  }
  return q;
}

/**
 * @param {string} day `YYYY-MM-DD`
 * @param {boolean} end
 */
function localDayBound(day, end) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day; // not a plain day: let the API judge it and name the field if it is bad
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (end) date.setDate(date.getDate() + 1);
  return new Date(date.getTime() - (end ? 1 : 0)).toISOString();
}
