import { describe, expect, test } from 'vitest';
import { apiFilters, readState, toSearch } from '../../viewer/js/state.js';

describe('the view state in the URL', () => {
  test('filters, page, event and timeline round-trip through the query', () => {
    const search =
      '?search=inv&actor_name=Ali&actor_id=usr_1&action=invoice.&resource_type=invoice&organization_id=org_acme&start_date=2026-03-01&end_date=2026-03-31&offset=50&timeline=resource&type=invoice&id=inv_4&event=e1';
    const state = readState(search);
    expect(state).toEqual({
      filters: {
        search: 'inv',
        actor_name: 'Ali',
        actor_id: 'usr_1',
        action: 'invoice.',
        resource_type: 'invoice',
        organization_id: 'org_acme',
        start_date: '2026-03-01',
        end_date: '2026-03-31',
      },
      offset: 50,
      event: 'e1',
      timeline: { kind: 'resource', type: 'invoice', id: 'inv_4' },
    });
    expect(toSearch(state)).toBe(search);
  });

  test('unknown, empty and malformed parameters are dropped; no state is the bare path', () => {
    const state = readState('?action=&offset=-3&bogus=1&timeline=resource&id=inv_4&apiKey=al_x');
    expect(state).toEqual({ filters: {}, offset: 0, event: null, timeline: null });
    expect(toSearch(state)).toBe('/');
  });

  test('an actor timeline needs only the id', () => {
    expect(readState('?timeline=actor&id=usr_2').timeline).toEqual({ kind: 'actor', id: 'usr_2' });
  });
});

describe('apiFilters', () => {
  test('sends a day of the user calendar as the instants its local day starts and ends', () => {
    const q = apiFilters({ action: 'invoice', start_date: '2026-03-01', end_date: '2026-03-31' });
    expect(q.get('action')).toBe('invoice');
    expect(q.get('start_date')).toBe(new Date(2026, 2, 1).toISOString());
    expect(q.get('end_date')).toBe(new Date(new Date(2026, 3, 1).getTime() - 1).toISOString());
  });

  test('passes anything else through for the API to judge', () => {
    expect(apiFilters({ start_date: '2026-03-01T10:00:00Z' }).get('start_date')).toBe('2026-03-01T10:00:00Z');
  });
});
