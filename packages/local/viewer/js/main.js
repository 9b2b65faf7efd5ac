// The trail viewer's entry: which view the URL asks for, the key prompt, navigation and
// the live refresh. Every read goes through the public /v1 endpoints (api.js).
import { ApiError, apiJson, storedKey, storeKey } from './api.js';
import { showDetail } from './detail.js';
import { byId } from './dom.js';
import { downloadExport } from './exportDownload.js';
import { fetchPage, fillFilterForm, readFilterForm, renderPage } from './list.js';
import { createPoller } from './live.js';
import { apiFilters, readState, toSearch } from './state.js';
import { showTimeline } from './timeline.js';
import { showUsage } from './usage.js';

/** @typedef {import('./state.js').ViewState} ViewState */

const dialog = /** @type {HTMLDialogElement} */ (byId('detail'));
let state = readState(location.search);
/** What the table shows now: the newest event and the count, to tell when new ones arrive. */
let mark = { total: -1, topId: /** @type {string | null} */ (null), ids: new Set() };
/** True while the open dialog's URL was pushed by us, so closing it goes back. */
let pushedDetail = false;

/** @param {ViewState} next */
const linkTo = (next) => toSearch(next);

/**
 * @param {ViewState} next
 * @param {{ replace?: boolean }} [how]
 */
function navigate(next, how = {}) {
  const url = toSearch(next);
  if (how.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  pushedDetail = !how.replace && next.event !== null && state.event === null;
  void render();
}

function status(/** @type {string} */ text) {
  byId('status').textContent = text;
}

/** @param {unknown} err */
function fail(err) {
  if (err instanceof ApiError && err.status === 401) {
    storeKey(null);
    showLogin(`The key was refused: ${err.message}.`);
    return;
  }
  status(`Could not load: ${err instanceof Error ? err.message : String(err)}`);
}

function showLogin(/** @type {string} */ message = '') {
  poller.stop();
  for (const id of ['list', 'timeline', 'usage', 'sign-out']) byId(id).hidden = true;
  if (dialog.open) dialog.close();
  byId('login').hidden = false;
  byId('login-error').textContent = message;
  byId('api-key').focus();
}

async function render() {
  state = readState(location.search);
  if (!storedKey()) {
    showLogin();
    return;
  }
  byId('login').hidden = true;
  byId('sign-out').hidden = false;
  status('');
  try {
    if (state.timeline) {
      poller.stop();
      byId('list').hidden = true;
      await showTimeline(state, linkTo);
      byId('timeline').hidden = false;
    } else {
      byId('timeline').hidden = true;
      byId('list').hidden = false;
      fillFilterForm(state);
      await loadList(false);
      poller.start();
    }
    if (state.event) await showDetail(state.event, state, linkTo);
    else if (dialog.open) dialog.close();
  } catch (err) {
    fail(err);
  }
}

/**
 * Loads the table's page; with `highlight`, rows that were not on it before are marked.
 * @param {boolean} highlight
 * @returns {Promise<number>} how many rows are new
 */
async function loadList(highlight) {
  const page = await fetchPage(state);
  const fresh = new Set(highlight ? page.events.filter((e) => !mark.ids.has(e.id)).map((e) => e.id) : []);
  renderPage(state, page, linkTo, fresh);
  byId('news').hidden = true;
  mark = { total: page.total, topId: await newestId(page), ids: new Set(page.events.map((e) => e.id)) };
  return fresh.size;
}

/** @param {import('./list.js').EventsPage} page */
async function newestId(page) {
  if (page.offset === 0) return page.events[0]?.id ?? null;
  return (await peek()).topId;
}

/** The newest event under the current filters and their count, in one one-row query. */
async function peek() {
  const q = apiFilters(state.filters);
  q.set('limit', '1');
  /** @type {import('./list.js').EventsPage} */
  const top = await apiJson(`/v1/events?${q}`);
  return { total: top.total, topId: top.events[0]?.id ?? null };
}

const poller = createPoller(async () => {
  if (state.timeline || !storedKey()) return;
  const now = await peek();
  if (now.total === mark.total && now.topId === mark.topId) return;
  if (state.offset === 0) {
    const fresh = await loadList(true);
    void showUsage().catch(() => {});
    if (fresh > 0) status(`${fresh} new event${fresh === 1 ? '' : 's'}`);
  } else {
    const n = now.total - mark.total;
    const news = byId('news');
    byId('show-newest').textContent =
      n > 0 ? `${n} new event${n === 1 ? '' : 's'}: show the newest` : 'The trail changed: show the newest';
    news.hidden = false;
  }
});

function wire() {
  byId('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ (byId('api-key'));
    const key = input.value.trim();
    if (!/^al_[A-Za-z0-9_-]+$/.test(key)) {
      byId('login-error').textContent = 'An API key looks like al_ followed by letters, digits, _ or -.';
      return;
    }
    storeKey(key);
    try {
      await showUsage(); // also checks the key before anything else is shown
    } catch (err) {
      fail(err);
      return;
    }
    input.value = '';
    await render();
    byId('main').focus({ preventScroll: true });
  });
  byId('sign-out').addEventListener('click', () => {
    storeKey(null);
    showLogin('The key was forgotten in this tab.');
  });
  byId('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    navigate({ filters: readFilterForm(), offset: 0, event: null, timeline: null });
  });
  byId('clear-filters').addEventListener('click', () => {
    navigate({ filters: {}, offset: 0, event: null, timeline: null });
  });
  byId('newer').addEventListener('click', () =>
    navigate({ ...state, offset: Math.max(0, state.offset - 50) }),
  );
  byId('older').addEventListener('click', () => navigate({ ...state, offset: state.offset + 50 }));
  byId('show-newest').addEventListener('click', () => navigate({ ...state, offset: 0 }));
  for (const format of /** @type {const} */ (['csv', 'json'])) {
    byId(`download-${format}`).addEventListener('click', () => {
      downloadExport(state.filters, format).then(
        (size) => status(`Downloaded audit_logs.${format} (${size.toLocaleString('en-US')} bytes)`),
        fail,
      );
    });
  }
  // In-page links: the URL changes without a reload; a modified click opens a new tab as usual.
  document.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a[data-nav]') : null;
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(readState(new URL(/** @type {HTMLAnchorElement} */ (a).href).search));
  });
  byId('detail-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (!state.event) return;
    if (pushedDetail) {
      pushedDetail = false;
      history.back();
    } else navigate({ ...state, event: null }, { replace: true });
  });
  window.addEventListener('popstate', () => {
    pushedDetail = false;
    void render();
  });
  document.addEventListener('keydown', (e) => {
    const typing = e.target instanceof HTMLElement && e.target.closest('input, textarea, select');
    if (e.key === '/' && !typing && !dialog.open && !byId('list').hidden) {
      e.preventDefault();
      byId('f-search').focus();
    }
  });
}

wire();
if (storedKey()) void showUsage().catch(fail);
void render();
