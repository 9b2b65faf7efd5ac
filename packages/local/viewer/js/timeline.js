// The timeline of one resource (resource_type + resource_id) or one actor, oldest first.
// The API filters by resource type and by actor id but not by resource id, so a resource's
// timeline exports the events of its type (GET /v1/events/export, every match) and keeps
// those of its id here.
import { apiJson } from './api.js';
import { byId, formatCount, h, setChildren } from './dom.js';
import { actorEl, changeSummary, timeEl } from './eventBits.js';

/**
 * @typedef {import('./state.js').ViewState} ViewState
 * @typedef {import('./eventBits.js').StoredEvent} StoredEvent
 */

/**
 * @param {ViewState} state whose `timeline` is set
 * @param {(state: ViewState) => string} linkTo
 */
export async function showTimeline(state, linkTo) {
  const tl = state.timeline;
  if (!tl) return;
  const q = new URLSearchParams({ format: 'json' });
  if (tl.kind === 'resource') q.set('resource_type', tl.type);
  else q.set('actor_id', tl.id);
  /** @type {StoredEvent[]} */
  const all = await apiJson(`/v1/events/export?${q}`);
  const events = tl.kind === 'resource' ? all.filter((e) => e.resource_id === tl.id) : all;
  // The export is newest first; reversed, then stably sorted, events of one instant keep
  // the order they were stored in.
  events.reverse().sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));

  const named = events.findLast((e) => (tl.kind === 'resource' ? e.resource_name : e.actor_name));
  const label = tl.kind === 'resource' ? named?.resource_name : named?.actor_name;
  const title = byId('timeline-title');
  setChildren(
    title,
    h('span', { class: 'muted', text: tl.kind === 'resource' ? `${tl.type} ` : 'actor ' }),
    tl.id,
    label && label !== tl.id ? h('span', { class: 'muted', text: ` · ${label}` }) : null,
  );
  byId('timeline-summary').textContent =
    events.length === 0
      ? 'No events.'
      : `${formatCount(events.length)} event${events.length === 1 ? '' : 's'}, oldest first.`;
  byId('timeline-back').setAttribute('href', linkTo({ ...state, timeline: null, event: null }));
  byId('timeline-items').replaceChildren(
    ...events.map((e) =>
      h(
        'li',
        {},
        timeEl(e.timestamp, false),
        h(
          'div',
          { class: 'tl-body' },
          h('a', {
            href: linkTo({ ...state, event: e.id }),
            'data-nav': '',
            class: 'action',
            text: e.action,
          }),
          tl.kind === 'resource'
            ? h('span', { class: 'by' }, 'by ', actorEl(e))
            : h(
                'span',
                { class: 'by' },
                'on ',
                h('span', { class: 'rtype', text: e.resource_type }),
                ' ',
                e.resource_id,
              ),
          changeSummary(e),
        ),
      ),
    ),
  );
}
