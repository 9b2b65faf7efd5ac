// Small renderings of an event shared by the table, the timeline and the detail view.
import { findChanges } from './changes.js';
import { formatTime, formatValue, h } from './dom.js';

/**
 * @typedef {{ id: string, timestamp: string, actor_id: string, actor_name: string | null,
 *   actor_email: string | null, action: string, resource_type: string, resource_id: string,
 *   resource_name: string | null, metadata: Record<string, unknown> | null,
 *   organization_id: string | null, api_key_id: string }} StoredEvent
 */

/**
 * @param {string} iso
 * @param {boolean} [short]
 */
export function timeEl(iso, short = true) {
  return h('time', { datetime: iso, title: iso, text: formatTime(iso, short) });
}

/** @param {StoredEvent} e */
export function actorEl(e) {
  const named = e.actor_name && e.actor_name !== e.actor_id;
  return h(
    'span',
    { class: 'actor' },
    h('span', { class: 'actor-name', text: named ? e.actor_name : e.actor_id }),
    named ? h('span', { class: 'muted id', text: e.actor_id }) : null,
  );
}

/**
 * One line per change record, e.g. `amount 1200 → 1500`.
 * @param {StoredEvent} e
 */
export function changeSummary(e) {
  const changes = findChanges(e.metadata);
  if (changes.length === 0) return null;
  return h(
    'span',
    { class: 'change-summary' },
    ...changes
      .slice(0, 3)
      .map((c) =>
        h(
          'span',
          { class: 'change-line' },
          h('span', { class: 'field', text: c.field }),
          ' ',
          h('del', { text: formatValue(c.before) }),
          h('span', { class: 'arrow', 'aria-label': 'to', text: ' → ' }),
          h('ins', { text: formatValue(c.after) }),
        ),
      ),
    changes.length > 3 ? h('span', { class: 'muted', text: `and ${changes.length - 3} more` }) : null,
  );
}
