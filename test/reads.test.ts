import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLedge, type StoredEvent } from '@auditledge/core';
import { type LocalServer, startLocalServer } from '@auditledge/local';
import { afterEach, describe, expect, test } from 'vitest';

// The client's streaming reads (events(), exportStream()) against the real local API.

const dirs: string[] = [];
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(db = ':memory:'): Promise<{ local: LocalServer; audit: AuditLedge }> {
  const local = await startLocalServer({ port: 0, db, plan: 'pro' });
  const audit = new AuditLedge(local.apiKey, { baseUrl: local.url });
  closers.push(
    () => local.close(),
    () => audit.shutdown(),
  );
  return { local, audit };
}

/** Stores an event straight through the API; resolves with its id. */
async function post(
  local: LocalServer,
  timestamp: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await fetch(`${local.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${local.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      actor: { id: 'u_1' },
      action: 'invoice.updated',
      resource: { type: 'invoice', id: 'inv_1' },
      timestamp,
      ...extra,
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { event: StoredEvent }).event.id;
}

const at = (seconds: number) => new Date(Date.UTC(2026, 5, 1) + seconds * 1000).toISOString();

describe('events() against the local API', () => {
  test('stable under concurrent inserts: nothing repeated, nothing skipped, backdated events still to come appear', async () => {
    const { local, audit } = await start();
    // 100 events one second apart, and 25 sharing one timestamp, so page boundaries fall
    // inside a group of equal timestamps too.
    const original: string[] = [];
    for (let i = 0; i < 100; i++) original.push(await post(local, at(-i)));
    const tied = at(-100);
    for (let i = 0; i < 25; i++) original.push(await post(local, tied));
    // The API's order: newest first, equal timestamps last stored first.
    const expected = [...original.slice(0, 100), ...original.slice(100).reverse()];

    const yielded: StoredEvent[] = [];
    const toCome: string[] = [];
    const alreadyRead: string[] = [];
    let older = -1000;
    for await (const event of audit.events({ pageSize: 10 })) {
      yielded.push(event);
      // Inserts stop while two pages are still to come, so the backdated ones have pages to land in.
      if (yielded.length % 7 !== 0 || yielded.length > 100) continue;
      // Between pages and within them: events at the top (newer than everything), with the
      // timestamp just yielded, backdated among those already read, and backdated to come.
      alreadyRead.push(await post(local, at(60 + yielded.length)));
      alreadyRead.push(await post(local, event.timestamp));
      alreadyRead.push(await post(local, yielded[0]!.timestamp));
      toCome.push(await post(local, at(older--)));
    }
    const ids = yielded.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !toCome.includes(id))).toEqual(expected);
    expect(ids.filter((id) => toCome.includes(id))).toEqual(toCome);
    expect(ids.filter((id) => alreadyRead.includes(id))).toEqual([]);
  }, 60_000);

  test('pages of maximum-size events: the API answers smaller pages and events() goes on to the end', async () => {
    const { local, audit } = await start();
    const blob = 'x'.repeat(1024 * 1024 - 1024);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.unshift(await post(local, at(i), { metadata: { blob } }));
    const seen: string[] = [];
    for await (const event of audit.events({ pageSize: 1000 })) seen.push(event.id);
    expect(seen).toEqual(ids);
  }, 60_000);
});

describe('exportStream() against the local API', () => {
  test('the same bytes as export(), CSV and JSON', async () => {
    const { local, audit } = await start();
    for (let i = 0; i < 700; i++) await post(local, at(i), { metadata: { pad: 'p'.repeat(200), i } });
    const read = async (format: 'csv' | 'json') => {
      const chunks: Buffer[] = [];
      for await (const chunk of audit.exportStream({ format })) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    };
    expect(await read('csv')).toBe(await audit.export({ format: 'csv' }));
    expect(JSON.parse(await read('json'))).toEqual(await audit.export({ format: 'json' }));
  }, 60_000);

  test('memory stays flat: exporting more than 200 MB to a file grows RSS by less than 50 MB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditledge-export-'));
    dirs.push(dir);
    const { local } = await start(join(dir, 'local.db'));
    // 220 events of ~1 MB: a JSON export of about 230 MB.
    const blob = 'm'.repeat(1_040_000);
    for (let i = 0; i < 220; i += 4) {
      await Promise.all([0, 1, 2, 3].map((j) => post(local, at(i + j), { metadata: { blob } })));
    }
    const out = join(dir, 'export.json');
    const result = await exportInChild(local, out);
    expect(result.bytes).toBeGreaterThan(200 * 1024 * 1024);
    expect(statSync(out).size).toBe(result.bytes);
    // After the warm-up this grew by 0-3 MB in runs on a loaded machine; a buffered export would be +230 MB.
    expect(result.peakRss - result.baselineRss).toBeLessThan(50 * 1024 * 1024);
  }, 120_000);
});

const coreSrc = fileURLToPath(new URL('../packages/core/src/index.ts', import.meta.url));

/**
 * Runs `pipeline(client.exportStream(), createWriteStream(out))` in a child process, so its
 * RSS is the export's alone, sampling RSS while it runs (every 20 ms: a sample, not a timing).
 */
function exportInChild(
  local: LocalServer,
  out: string,
): Promise<{ bytes: number; baselineRss: number; peakRss: number }> {
  const script = `
    import { createWriteStream } from 'node:fs';
    import { pipeline } from 'node:stream/promises';
    import { AuditLedge } from ${JSON.stringify(coreSrc)};
    const audit = new AuditLedge(process.env.KEY, { baseUrl: process.env.URL });
    // Warm-up: a real but small export (the oldest 20 events, about 20 MB) pays what streaming
    // costs once, whatever the size (the code paths, the connection, socket and file-write
    // buffers, libuv's threadpool and its malloc arenas, the young generation growing to its
    // working size: 25-60 MB here, depending on the machine's load), so that what is measured
    // is what grows with the export's size: flat means the 230 MB export needs no more.
    await pipeline(audit.exportStream({ format: 'json', end_date: process.env.WARM_UP_END }), createWriteStream(process.env.OUT));
    globalThis.gc?.();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    const sample = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
    let bytes = 0;
    const stream = audit.exportStream({ format: 'json' });
    stream.on('data', (chunk) => { bytes += chunk.length; });
    await pipeline(stream, createWriteStream(process.env.OUT));
    clearInterval(sample);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await audit.shutdown();
    process.stdout.write(JSON.stringify({ bytes, baselineRss, peakRss }));
  `;
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
    {
      env: { ...process.env, KEY: local.apiKey, URL: local.url, OUT: out, WARM_UP_END: at(19) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout));
      else reject(new Error(`export child exited ${code}: ${stderr}`));
    });
  });
}
