/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AuditLedge } from '@auditledge/core';
import { type LocalServer, startLocalServer } from '@auditledge/local';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep, SCENARIO, type ScenarioStep } from '../../examples/shared/src/index.js';
import { launchChromium } from '../support/chromium.js';
import { type RunningApp, startApp } from './apps.js';

// Screenshots of each step land here (gitignored), to look at when the test fails.
const OUTPUT = fileURLToPath(new URL('./output/viewer/', import.meta.url));
const AUDITED = SCENARIO.filter((s) => s.event).length;
// A generous bound for the page to catch up (the live poll runs every 3 s); never a sleep.
const WAIT = { timeout: 15_000 };

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

describe('the trail viewer in Chromium', () => {
  let local: LocalServer;
  let client: AuditLedge;
  let app: RunningApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const requests: { url: string; authorization: string | undefined }[] = [];
  let shot = 0;
  const screenshot = (name: string) =>
    page.screenshot({ path: `${OUTPUT}${String(++shot).padStart(2, '0')}-${name}.png`, fullPage: true });
  const rows = () => page.locator('#events tbody tr');

  beforeAll(async () => {
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
    browser = await launchChromium();
    local = await startLocalServer({ port: 0, db: ':memory:' });
    client = new AuditLedge(local.apiKey, { baseUrl: local.url, concurrency: 1 });
    app = await startApp('express', client);
    for (const [i, step] of SCENARIO.entries()) {
      const { status } = await runStep(app.url, step, { 'x-request-id': `express-${i + 1}` });
      expect(status, step.title).toBe(step.status);
    }
    // Data that would run as code if the page ever parsed event data as HTML.
    await client.log({
      actor: { id: 'mallory', name: HOSTILE },
      action: 'document.renamed',
      resource: { type: 'document', id: 'doc_1', name: '<script>window.__pwned=2</script>' },
      metadata: { title: { old: 'Q3 plan', new: '<svg onload="window.__pwned=3">' }, note: HOSTILE },
    });
    await client.flush();

    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      // The one refused key below is logged by Chromium as a failed load: expected.
      if (m.text().includes('status of 401')) return;
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push({ url: r.url(), authorization: r.headers().authorization }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await client?.shutdown({ timeout: 1_000 });
    await local?.close();
  });

  it('asks for the key once, then lists the account’s events newest first', async () => {
    await page.goto(`${local.url}/`);
    await expect(page.getByRole('heading', { name: 'Open the audit trail' }).isVisible()).resolves.toBe(true);
    await screenshot('key-prompt');

    await page.getByLabel('API key').fill('al_not_a_key_of_this_server');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByText('The key was refused: Invalid API key.').waitFor(WAIT);

    await page.getByLabel('API key').fill(local.apiKey);
    await page.getByRole('button', { name: 'Open' }).click();
    const { events, total } = await client.query({ limit: 100 });
    expect(total).toBe(AUDITED + 1);
    await page.getByText(`1–${total} of ${total} events`).waitFor(WAIT);
    expect(await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')))).toEqual(
      events.map((e) => e.id),
    );
    await expect(page.locator('#usage').textContent()).resolves.toBe(
      `free${total} of 10,000 events this monthkept 14 days`,
    );
    await screenshot('trail');

    // Hostile event data is shown as text and runs nothing.
    await expect(page.getByText(HOSTILE).first().isVisible()).resolves.toBe(true);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#events img').count()).toBe(0);

    // The key is in the tab's session storage only: not in the URL, not in a cookie.
    expect(page.url()).toBe(`${local.url}/`);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([local.apiKey]);
  });

  it('filters from the keyboard, keeps the filter in the URL and across a reload', async () => {
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-search');
    await page.getByLabel('Action').fill('invoice.updated');
    await page.getByLabel('Action').press('Enter');
    await page.waitForURL(/\?action=invoice\.updated$/, WAIT);
    await page.getByText('1–1 of 1 event matching the filters').waitFor(WAIT);
    expect(await rows().locator('a.action').allInnerTexts()).toEqual(['invoice.updated']);

    await page.reload();
    await page.getByText('1–1 of 1 event matching the filters').waitFor(WAIT);
    expect(await page.getByLabel('Action').inputValue()).toBe('invoice.updated');
    await screenshot('filtered');
  });

  it('opens a change record as a before/after diff, with every field and the metadata tree', async () => {
    const updated = (await client.query({ action: 'invoice.updated' })).events[0]!;
    await rows().first().locator('a.action').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor(WAIT);
    await page.waitForURL(new RegExp(`event=${updated.id}`), WAIT);
    expect(await dialog.locator('table.diff tbody tr').allInnerTexts()).toEqual(['amount\t1200\t1500']);
    expect(await dialog.locator('table.diff del').textContent()).toBe('1200');
    expect(await dialog.locator('table.diff ins').textContent()).toBe('1500');
    const fields = await dialog.locator('dl.fields dt').allInnerTexts();
    expect(fields).toEqual(expect.arrayContaining(Object.keys(updated).filter((k) => k !== 'metadata')));
    for (const key of Object.keys(updated.metadata ?? {})) {
      await expect(dialog.locator('.tree .key', { hasText: key }).count(), key).resolves.toBeGreaterThan(0);
    }
    await screenshot('change-record');
    await page.keyboard.press('Escape');
    await page.waitForURL(/\?action=invoice\.updated$/, WAIT);
  });

  it('shows what happened to one resource, in order, and an old/new pair of hostile text as text', async () => {
    await rows().first().locator('.c-resource a').click();
    await page.getByText('3 events, oldest first.').waitFor(WAIT);
    expect(await page.locator('#timeline-items a.action').allInnerTexts()).toEqual([
      'invoice.created',
      'invoice.updated',
      'invoice.sent',
    ]);
    await screenshot('timeline');

    await page.goto(`${local.url}/?resource_type=document`);
    await rows().first().locator('a.action').click();
    const diff = page.getByRole('dialog').locator('table.diff tbody tr');
    await diff.first().waitFor(WAIT);
    expect(await diff.allInnerTexts()).toEqual(['title\t"Q3 plan"\t"<svg onload=\\"window.__pwned=3\\">"']);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    await screenshot('old-new-pair');
    await page.keyboard.press('Escape');
  });

  it('shows a new event without a reload while the page is open', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL(`${local.url}/`, WAIT);
    const step: ScenarioStep = {
      title: 'Alice creates another invoice',
      as: 'alice',
      method: 'POST',
      path: '/invoices',
      body: { customer: 'Hooli', amount: 990 },
      status: 201,
    };
    expect((await runStep(app.url, step, { 'x-request-id': 'express-live' })).status).toBe(201);
    await client.flush();
    const fresh = (await client.query({ limit: 1 })).events[0]!;
    expect(fresh.metadata?.request_id).toBe('express-live');
    await page.locator(`#events tbody tr.fresh[data-id="${fresh.id}"]`).waitFor(WAIT);
    expect(await rows().first().getAttribute('data-id')).toBe(fresh.id);
    await screenshot('live-event');

    // An event without a change record has no Change section (and no stray "null").
    await rows().first().locator('a.action').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('dl.fields').waitFor(WAIT);
    expect(await dialog.locator('h3').allTextContents()).toEqual(['Fields', 'Metadata']);
    expect(await dialog.textContent()).not.toContain('null');
    await page.keyboard.press('Escape');
    await page.waitForURL(`${local.url}/`, WAIT);
  });

  it('downloads the current filter as CSV, the same bytes the export endpoint gives', async () => {
    await page.getByLabel('Action').fill('invoice');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\?action=invoice$/, WAIT);
    const [download] = await Promise.all([
      page.waitForEvent('download', WAIT),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('audit_logs.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv).toBe(await client.export({ format: 'csv', action: 'invoice' }));
    const lines = csv.trimEnd().split('\r\n');
    const { total } = await client.query({ action: 'invoice' });
    expect(lines[0]).toBe(
      'id,timestamp,actor_id,actor_name,action,resource_type,resource_id,resource_name,organization_id',
    );
    expect(lines).toHaveLength(total + 1);
    expect(lines.slice(1).every((l) => l.split(',')[4]!.startsWith('invoice.'))).toBe(true);
    await page.getByText(/Downloaded audit_logs\.csv/).waitFor(WAIT);
    await screenshot('csv-downloaded');
  });

  it('is readable at 360 px wide, and only ever sent the key in the Authorization header', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL(`${local.url}/`, WAIT);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // Nothing is cut off at the right edge either (a clipped overflow does not widen the page).
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll('main *')]
        .filter((el) => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().right > 360.5)
        .map((el) => `${el.tagName}.${el.className}`),
    );
    expect(overflowing).toEqual([]);
    await screenshot('narrow');

    const api = requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/'));
    expect(api.length).toBeGreaterThan(5);
    for (const r of requests) expect(r.url).not.toContain(local.apiKey);
    // The refused key of the first step, then the right one on every request after it.
    expect(api[0]!.authorization).toBe('Bearer al_not_a_key_of_this_server');
    for (const r of api.slice(1)) expect(r.authorization).toBe(`Bearer ${local.apiKey}`);
    // Nothing left the origin, and nothing broke (a CSP or Trusted Types violation is logged).
    for (const r of requests) expect(new URL(r.url).origin).toMatch(new RegExp(`^(${local.url}|blob:)`));
    expect(problems).toEqual([]);
  });
});
