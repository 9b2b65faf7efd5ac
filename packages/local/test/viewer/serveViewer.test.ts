import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { viewerDir } from '../../src/viewer/assets.js';
import { call, start } from '../helpers.js';

const dir = viewerDir();
const files = (readdirSync(dir, { recursive: true }) as string[])
  .map((f) => join(dir, f))
  .filter((f) => /\.(html|css|js|svg)$/.test(f));
const urlOf = (file: string) => {
  const path = relative(dir, file).split('\\').join('/');
  return path === 'index.html' ? '/' : `/viewer/${path}`;
};

function expectSecurityHeaders(headers: Record<string, unknown>) {
  const csp = String(headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("require-trusted-types-for 'script'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
}

describe('the trail viewer at /', () => {
  test('serves the page without a key, under a strict Content-Security-Policy', async () => {
    const server = await start();
    const res = await call(server, '/', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(res.headers);
    expect(res.text).toContain('<script type="module" src="/viewer/js/main.js"></script>');
    // The CSP forbids inline code; the page has none to forbid.
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    // A shared view's URL carries filters in the query: it is the same page.
    const filtered = await call(server, '/?action=invoice.updated&offset=50', { key: null });
    expect(filtered.status).toBe(200);
    expect(filtered.text).toBe(res.text);
  });

  test.each(files.map((f) => [urlOf(f), f]))(
    'serves %s with its type and the same headers',
    async (url, file) => {
      const server = await start();
      const res = await call(server, url, { key: null });
      expect(res.status).toBe(200);
      expect(res.text).toBe(readFileSync(file, 'utf8'));
      const type = { html: 'text/html', css: 'text/css', js: 'text/javascript', svg: 'image/svg+xml' }[
        file.slice(file.lastIndexOf('.') + 1)
      ];
      expect(res.headers['content-type']).toContain(type);
      expectSecurityHeaders(res.headers);
    },
  );

  test('every file the page and its modules name is served', async () => {
    const server = await start();
    const named = new Set<string>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:src|href)="(\/viewer\/[^"]+)"/g)) named.add(m[1]!);
      for (const m of text.matchAll(/from '\.\/([^']+)'/g)) named.add(`/viewer/js/${m[1]}`);
    }
    expect(named.size).toBeGreaterThan(5);
    for (const url of named) expect((await call(server, url, { key: null })).status, url).toBe(200);
  });

  test('answers only for its own files: no path reaches outside the viewer folder', async () => {
    const server = await start();
    for (const path of [
      '/viewer/../package.json',
      '/viewer/%2e%2e/package.json',
      '/viewer/js/../../package.json',
      '/viewer/',
      '/viewer/js',
      '/index.html',
    ]) {
      const res = await call(server, path, { key: null });
      expect(res.status, path).toBe(404);
      expect(res.json).toEqual({ error: 'Not found' });
    }
  });

  test('HEAD has the headers and no body; a matching If-None-Match gets a 304', async () => {
    const server = await start();
    const head = await call(server, '/viewer/viewer.css', { method: 'HEAD', key: null });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(1000);
    const etag = String(head.headers.etag);
    const again = await call(server, '/viewer/viewer.css', { key: null, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  test('a write to the page is a 405 naming GET and HEAD', async () => {
    const server = await start();
    const res = await call(server, '/', { method: 'POST', key: null, body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json).toEqual({ error: 'Method not allowed' });
  });

  test('viewer: false leaves / and the files to the API, which answers 404', async () => {
    const server = await start({ viewer: false });
    for (const path of ['/', '/viewer/js/main.js']) {
      const res = await call(server, path, { key: null });
      expect(res.status, path).toBe(404);
      expect(res.json).toEqual({ error: 'Not found' });
    }
    expect((await call(server, '/v1/usage')).status).toBe(200);
  });

  test('the /v1 endpoints stay same-origin: no CORS headers for another origin', async () => {
    const server = await start();
    const res = await call(server, '/v1/events', { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await call(server, '/v1/events', {
      method: 'OPTIONS',
      key: null,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('the page code never turns data into HTML, evaluates strings or puts the key in a URL or cookie', () => {
    const code = files
      .filter((f) => f.endsWith('.js'))
      .map((f) => [relative(dir, f), readFileSync(f, 'utf8')]);
    expect(code.length).toBeGreaterThan(5);
    for (const [name, text] of code) {
      expect(text, name).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
      );
      expect(text, name).not.toMatch(/document\.cookie|localStorage/);
    }
  });
});
