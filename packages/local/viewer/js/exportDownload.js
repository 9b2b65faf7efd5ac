// Downloads the current filter through GET /v1/events/export. A plain link cannot carry the
// Authorization header, and the key must not go in a URL, so the file is fetched here and
// handed to the browser as a Blob.
import { apiGet } from './api.js';
import { apiFilters } from './state.js';

/**
 * @param {Record<string, string>} filters
 * @param {'csv' | 'json'} format
 */
export async function downloadExport(filters, format) {
  const q = apiFilters(filters);
  q.set('format', format);
  const res = await apiGet(`/v1/events/export?${q}`);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `audit_logs.${format}`;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has read the URL by the time click() returns in every engine we know of;
  // the delay only guards slower ones before the memory is released.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
}
