// Screenshots of the trail viewer on the demo's trail, for the README (docs/viewer.png) and
// for a look at light and dark, 360 px and desktop (written to test/e2e/output/screenshots/).
// Runs `scripts/demo.ts --keep`, opens the viewer it prints, then stops the demo.
//
//   pnpm exec tsx test/e2e/viewerScreenshots.ts
/// <reference lib="dom" />
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = fileURLToPath(new URL('./output/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

const demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--keep'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
  let text = '';
  demo.stdout.on('data', (chunk) => {
    text += chunk;
    const m = /^ {2}(http:\/\/\S+)\/ +API key (al_\S+)$/m.exec(text);
    if (m) resolve({ url: m[1]!, key: m[2]! });
  });
  demo.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${text}`)));
});

const browser = await launchChromium();
try {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 820 }],
      ['360px', { width: 360, height: 780 }],
    ] as const) {
      const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(`${url}/`);
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Open' }).click();
      await page.locator('#events tbody tr').first().waitFor();
      await page.mouse.move(0, viewport.height - 1); // no hovered row in the picture
      await page.screenshot({ path: `${out}list-${colorScheme}-${name}.png` });
      await page
        .locator('#events tbody tr', { hasText: 'invoice.updated' })
        .first()
        .locator('a.action')
        .click();
      await page.getByRole('dialog').locator('table.diff').waitFor();
      await page.screenshot({ path: `${out}detail-${colorScheme}-${name}.png` });
      await page.keyboard.press('Escape');
      await page
        .locator('#events tbody tr', { hasText: 'invoice.updated' })
        .first()
        .locator('.c-resource a')
        .click();
      await page.locator('#timeline-items li').first().waitFor();
      await page.screenshot({ path: `${out}timeline-${colorScheme}-${name}.png` });
      await context.close();
    }
  }
  mkdirSync(`${root}docs`, { recursive: true });
  copyFileSync(`${out}list-light-desktop.png`, `${root}docs/viewer.png`);
  process.stdout.write(`screenshots in ${out}; docs/viewer.png updated\n`);
} finally {
  await browser.close();
  demo.kill('SIGINT');
}
