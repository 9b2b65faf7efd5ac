// DOM helpers. Event data reaches the page only as text nodes and attribute values: nothing
// here parses HTML, and the page's Trusted Types policy would refuse it if anything tried.

/**
 * Creates an element. `props` keys: `class`, `text`, `on<Event>` handlers, anything else an
 * attribute (skipped when null, undefined or false). Children are nodes or strings (as text).
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/**
 * Replaces an element's children, skipping null, undefined and false (which `replaceChildren`
 * would otherwise insert as the text "null").
 * @param {Element} el
 * @param {...(Node | string | null | undefined | false)} children
 */
export function setChildren(el, ...children) {
  el.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/**
 * @param {string} iso
 * @param {boolean} [short]
 */
export function formatTime(iso, short = false) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (short ? shortTime : dateTime).format(date);
}

/**
 * A value as it reads in JSON: strings quoted, so `"1500"` and `1500` differ on screen.
 * @param {unknown} value
 */
export function formatValue(value) {
  if (value === undefined) return '(absent)';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** @param {number} n */
export function formatCount(n) {
  return n.toLocaleString('en-US');
}
