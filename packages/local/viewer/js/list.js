// The events table: one page of GET /v1/events for the current filters, newest first.
import { apiJson } from './api.js';
import { byId, formatCount, h } from './dom.js';
import { actorEl, changeSummary, timeEl } from './eventBits.js';
import { apiFilters, FILTERS, PAGE_SIZE } from './state.js';

/**
 * @typedef {import('./state.js').ViewState} ViewState
 * @typedef {import('./eventBits.js').StoredEvent} StoredEvent
 * @typedef {{ events: StoredEvent[], total: number, limit: number, offset: number }} EventsPage
 * @typedef {(state: ViewState) => string} LinkTo
 */

/**
 * Puts the state's filters in the form.
 * @param {ViewState} state
 */
export function fillFilterForm(state) {
  const form = /** @type {HTMLFormElement} */ (byId('filters'));
  for (const name of FILTERS) {
    const input = /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
    input.value = state.filters[name] ?? '';
  }
  // Narrow screens fold the filters other than search away, unless one of them is in use.
  const more = Object.keys(state.filters).filter((name) => name !== 'search').length;
  byId('more-count').textContent = more > 0 ? `(${more})` : '';
  /** @type {HTMLDetailsElement} */ (byId('more-filters')).open = more > 0 || WIDE.matches;
}

const WIDE = matchMedia('(min-width: 721px)');

/** @returns {Record<string, string>} */
export function readFilterForm() {
  const form = /** @type {HTMLFormElement} */ (byId('filters'));
  /** @type {Record<string, string>} */
  const filters = {};
  for (const name of FILTERS) {
    const value = /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/**
 * @param {ViewState} state
 * @param {AbortSignal} [signal]
 * @returns {Promise<EventsPage>}
 */
export function fetchPage(state, signal) {
  const q = apiFilters(state.filters);
  q.set('limit', String(PAGE_SIZE));
  if (state.offset > 0) q.set('offset', String(state.offset));
  return apiJson(`/v1/events?${q}`, signal);
}

/**
 * @param {ViewState} state
 * @param {EventsPage} page
 * @param {LinkTo} linkTo
 * @param {ReadonlySet<string>} fresh ids to mark as just arrived
 */
export function renderPage(state, page, linkTo, fresh) {
  const rows = page.events.map((e) => row(e, state, linkTo, fresh.has(e.id)));
  byId('events')
    .querySelector('tbody')
    ?.replaceChildren(...rows);

  const filtered = Object.keys(state.filters).length > 0;
  const first = page.total === 0 ? 0 : Math.min(page.offset + 1, page.total);
  const last = Math.min(page.offset + page.events.length, page.total);
  byId('summary').textContent =
    page.total === 0
      ? 'No events'
      : `${formatCount(first)}–${formatCount(last)} of ${formatCount(page.total)} event${page.total === 1 ? '' : 's'}${filtered ? ' matching the filters' : ''}`;

  const empty = byId('empty');
  empty.hidden = page.events.length > 0;
  empty.textContent = filtered
    ? 'No event matches these filters.'
    : page.offset > 0
      ? 'No events on this page.'
      : `No events yet. Events sent with this key to ${location.origin} appear here as they arrive.`;

  /** @type {HTMLButtonElement} */ (byId('newer')).disabled = page.offset === 0;
  /** @type {HTMLButtonElement} */ (byId('older')).disabled = page.offset + PAGE_SIZE >= page.total;
  const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
  byId('page').textContent = `Page ${Math.floor(page.offset / PAGE_SIZE) + 1} of ${pages}`;
}

/**
 * @param {StoredEvent} e
 * @param {ViewState} state
 * @param {LinkTo} linkTo
 * @param {boolean} isFresh
 */
function row(e, state, linkTo, isFresh) {
  const detail = linkTo({ ...state, event: e.id });
  const timeline = linkTo({
    ...state,
    offset: 0,
    event: null,
    timeline: { kind: 'resource', type: e.resource_type, id: e.resource_id },
  });
  return h(
    'tr',
    { class: isFresh ? 'fresh' : null, 'data-id': e.id },
    h('td', { class: 'c-time', 'data-label': 'Time' }, timeEl(e.timestamp)),
    h('td', { class: 'c-actor', 'data-label': 'Actor' }, actorEl(e)),
    h(
      'td',
      { class: 'c-action', 'data-label': 'Action' },
      h('a', { href: detail, 'data-nav': '', class: 'action', text: e.action }),
      changeSummary(e),
    ),
    h(
      'td',
      { class: 'c-resource', 'data-label': 'Resource' },
      h(
        'a',
        { href: timeline, 'data-nav': '', title: `Timeline of ${e.resource_type} ${e.resource_id}` },
        h('span', { class: 'rtype', text: e.resource_type }),
        ' ',
        h('span', { class: 'rid', text: e.resource_id }),
      ),
      e.resource_name ? h('span', { class: 'muted rname', text: e.resource_name }) : null,
    ),
    h('td', { class: 'c-org', 'data-label': 'Organization', text: e.organization_id ?? '—' }),
  );
}
