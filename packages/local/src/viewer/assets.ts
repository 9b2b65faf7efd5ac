import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the viewer, read once and kept in memory (the whole viewer is a few dozen KiB). */
export interface ViewerAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** URL path prefix of the viewer's assets; the page itself is at `/`. */
export const ASSET_PREFIX = '/viewer/';

/**
 * The package's `viewer/` folder. From the sources (`src/viewer/`) it is two levels up, from
 * the bundles (`dist/`) one: both are tried so tests run on the sources and users on dist.
 */
export function viewerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'viewer'), join(here, '..', '..', 'viewer')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  throw new Error(`The viewer's files are missing: no viewer/index.html near ${here}`);
}

/**
 * Reads the viewer into a map from URL path to asset: `/` for index.html, `/viewer/<path>`
 * for the rest. Only files with a known type are served, so the map is the whole allow-list:
 * a request can never name a file outside it.
 */
export function loadViewerAssets(dir: string = viewerDir()): ReadonlyMap<string, ViewerAsset> {
  const assets = new Map<string, ViewerAsset>();
  for (const file of listFiles(dir)) {
    const contentType = TYPES[extname(file)];
    if (!contentType) continue;
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    const path = relative(dir, file).split(sep).join('/');
    assets.set(path === 'index.html' ? '/' : `${ASSET_PREFIX}${path}`, { body, contentType, etag });
  }
  return assets;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path);
    return entry.isFile() ? [path] : [];
  });
}
