// An event's detail in a modal dialog: the change records as a before/after diff, every
// field of the stored event, and its metadata as a tree.
import { apiJson } from './api.js';
import { diffRows, findChanges, isPlainObject } from './changes.js';
import { byId, formatTime, formatValue, h, setChildren } from './dom.js';

/**
 * @typedef {import('./eventBits.js').StoredEvent} StoredEvent
 * @typedef {import('./state.js').ViewState} ViewState
 */

const FIELD_ORDER = [
  'id',
  'timestamp',
  'action',
  'actor_id',
  'actor_name',
  'actor_email',
  'resource_type',
  'resource_id',
  'resource_name',
  'organization_id',
  'api_key_id',
];

/**
 * Loads and shows one event.
 * @param {string} id
 * @param {ViewState} state
 * @param {(state: ViewState) => string} linkTo
 */
export async function showDetail(id, state, linkTo) {
  /** @type {StoredEvent & Record<string, unknown>} */
  const event = await apiJson(`/v1/events/${encodeURIComponent(id)}`);
  byId('detail-title').textContent = event.action;
  setChildren(
    byId('detail-body'),
    h(
      'p',
      { class: 'detail-links' },
      h('a', {
        href: linkTo({
          ...state,
          event: null,
          offset: 0,
          timeline: { kind: 'resource', type: event.resource_type, id: event.resource_id },
        }),
        'data-nav': '',
        text: `Timeline of ${event.resource_type} ${event.resource_id}`,
      }),
      h('a', {
        href: linkTo({ ...state, event: null, offset: 0, timeline: { kind: 'actor', id: event.actor_id } }),
        'data-nav': '',
        text: `Everything by ${event.actor_name ?? event.actor_id}`,
      }),
    ),
    changesSection(event.metadata),
    fieldsSection(event),
    h('section', {}, h('h3', { text: 'Metadata' }), metadataTree(event.metadata)),
  );
  const dialog = /** @type {HTMLDialogElement} */ (byId('detail'));
  if (!dialog.open) dialog.showModal();
}

/** @param {unknown} metadata */
function changesSection(metadata) {
  const changes = findChanges(metadata);
  if (changes.length === 0) return null;
  const rows = changes
    .flatMap(diffRows)
    .map((r) =>
      h(
        'tr',
        { class: `diff-${r.kind}` },
        h('th', { scope: 'row', text: r.field }),
        h(
          'td',
          { class: 'before' },
          r.kind === 'added'
            ? h('span', { class: 'muted', text: '—' })
            : h('del', { text: formatValue(r.before) }),
        ),
        h(
          'td',
          { class: 'after' },
          r.kind === 'removed'
            ? h('span', { class: 'muted', text: '—' })
            : h('ins', { text: formatValue(r.after) }),
        ),
      ),
    );
  return h(
    'section',
    { class: 'changes' },
    h('h3', { text: changes.length === 1 ? 'Change' : `Changes (${changes.length})` }),
    h(
      'table',
      { class: 'diff' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', text: 'Field' }),
          h('th', { scope: 'col', text: 'Before' }),
          h('th', { scope: 'col', text: 'After' }),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

/** @param {Record<string, unknown>} event */
function fieldsSection(event) {
  // Every field the API returned, known ones first, so a newer server's additions show too.
  const names = [
    ...FIELD_ORDER.filter((n) => n in event),
    ...Object.keys(event).filter((n) => !FIELD_ORDER.includes(n) && n !== 'metadata'),
  ];
  const list = h('dl', { class: 'fields' });
  for (const name of names) {
    const value = event[name];
    const text =
      value === null || value === undefined ? '—' : typeof value === 'string' ? value : formatValue(value);
    list.append(
      h('dt', { text: name }),
      h('dd', {
        class: value === null ? 'muted' : null,
        title: name === 'timestamp' ? formatTime(String(value)) : null,
        text,
      }),
    );
  }
  return h('section', {}, h('h3', { text: 'Fields' }), list);
}

/**
 * @param {unknown} value
 * @param {number} [depth]
 * @returns {HTMLElement}
 */
export function metadataTree(value, depth = 0) {
  if (!isPlainObject(value) && !Array.isArray(value)) {
    return value === null || value === undefined
      ? h('p', { class: 'muted', text: 'No metadata' })
      : leaf(value);
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => /** @type {[string, unknown]} */ ([String(i), v]))
    : Object.entries(value);
  if (entries.length === 0)
    return h('p', { class: 'muted', text: Array.isArray(value) ? '[] (empty)' : 'No metadata' });
  return h(
    'ul',
    { class: 'tree' },
    ...entries.map(([key, child]) => {
      const composite = isPlainObject(child) || Array.isArray(child);
      if (!composite) {
        return h('li', {}, h('span', { class: 'key', text: key }), ': ', leaf(child));
      }
      const size = Array.isArray(child) ? `[${child.length}]` : `{${Object.keys(child).length}}`;
      return h(
        'li',
        {},
        h(
          'details',
          { open: depth < 2 },
          h(
            'summary',
            {},
            h('span', { class: 'key', text: key }),
            h('span', { class: 'muted', text: ` ${size}` }),
          ),
          metadataTree(child, depth + 1),
        ),
      );
    }),
  );
}

/** @param {unknown} value */
function leaf(value) {
  const type = value === null ? 'null' : typeof value;
  return h('span', { class: `val val-${type}`, text: formatValue(value) });
}
