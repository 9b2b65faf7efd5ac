// Usage at a glance, from GET /v1/usage: plan, this month's events of the limit, retention.
import { apiJson } from './api.js';
import { byId, formatCount, h, setChildren } from './dom.js';

export async function showUsage() {
  /** @type {{ plan: string, events_this_month: number, events_limit: number | null, retention_days: number | null }} */
  const usage = await apiJson('/v1/usage');
  const box = byId('usage');
  const limit = usage.events_limit;
  const share = limit ? Math.min(1, usage.events_this_month / limit) : 0;
  const kept = usage.retention_days === null ? 'custom retention' : `kept ${usage.retention_days} days`;
  setChildren(
    box,
    h('span', { class: 'plan', text: usage.plan }),
    h(
      'span',
      { class: 'count' },
      `${formatCount(usage.events_this_month)} of ${limit === null ? 'unlimited' : formatCount(limit)} events this month`,
    ),
    limit === null
      ? null
      : h('meter', {
          min: 0,
          max: limit,
          low: Math.round(limit * 0.75),
          high: Math.round(limit * 0.9),
          optimum: 0,
          value: usage.events_this_month,
          'aria-label': `${Math.round(share * 100)}% of the monthly limit`,
        }),
    h('span', { class: 'kept', text: kept }),
  );
  box.hidden = false;
}
