// The page's only way to the data: the public /v1 endpoints, same origin, with the key the
// user typed in the Authorization header. The key lives in this tab's sessionStorage: never
// in the URL (it would reach history and logs), never in a cookie (it would ride along on
// requests the page did not make).

const KEY = 'auditledge.viewer.apiKey';

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export function storedKey() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: the user types the key again on each load
  }
}

/** @param {string | null} key */
export function storeKey(key) {
  try {
    if (key === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, key);
  } catch {
    // storage disabled: the key is kept in memory for this page only
  }
  memoryKey = key;
}

/** @type {string | null} */
let memoryKey = null;

function currentKey() {
  return memoryKey ?? storedKey();
}

/**
 * GETs a /v1 path. Resolves with the Response when it is a 2xx; otherwise rejects with an
 * ApiError carrying the API's `{ error }` message.
 * @param {string} path e.g. `/v1/events?limit=1`
 * @param {AbortSignal} [signal]
 * @returns {Promise<Response>}
 */
export async function apiGet(path, signal) {
  const key = currentKey();
  if (!key) throw new ApiError(401, 'No API key entered');
  const res = await fetch(path, {
    headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    cache: 'no-store',
    credentials: 'omit',
    signal,
  });
  if (res.ok) return res;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    if (body && typeof body.error === 'string') message = body.error;
  } catch {
    // not JSON: keep the status line
  }
  throw new ApiError(res.status, message);
}

/**
 * @param {string} path
 * @param {AbortSignal} [signal]
 */
export async function apiJson(path, signal) {
  return (await apiGet(path, signal)).json();
}
