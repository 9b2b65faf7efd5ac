import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCENARIO } from '../../examples/shared/src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The example apps the demo runs (scripts/demo.ts's APPS). */
const apps = ['express', 'koa', 'fastify', 'nestjs'];

/**
 * Runs `scripts/demo.ts` as `npm run demo` does (after setup), collecting its output;
 * `onOutput` sees the output so far at each chunk and may signal the child.
 */
function runDemo(
  args: string[] = [],
  onOutput?: (stdout: string, child: ChildProcess) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      onOutput?.(stdout, child);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it('drives the scenario through the four apps, prints the trail, writes the CSV, exits 0 and leaves nothing running', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(code, `${stdout}\n${stderr}`).toBe(0);

    const audited = SCENARIO.filter((s) => s.event).length;
    expect(stdout).toContain(`query(): ${audited * apps.length} events, oldest first`);
    expect(stdout).toContain(`Each app recorded exactly the ${audited} events the scenario expects`);
    expect(stdout).not.toContain('✗');
    for (const app of apps) {
      expect(stdout).toMatch(
        new RegExp(`\\d\\d:\\d\\d:\\d\\d +${app} +Alice Martin +invoice\\.created +invoice:inv_4 +org_acme`),
      );
      expect(stdout).toMatch(
        new RegExp(`${app} +Peter Gibbons +organization\\.created +organization:org_initech`),
      );
      expect(stdout).toMatch(
        new RegExp(`${app} +exited 0; audit events delivered: ${audited}, not delivered: 0`),
      );
    }
    expect(stdout).toContain(`plan free: ${audited * apps.length} of 10,000 events this month`);
    expect(stdout.includes('\u001b[')).toBe(false); // no colour codes when stdout is not a terminal

    const csv = readFileSync(`${root}.auditledge/demo-audit-log.csv`, 'utf8').trimEnd().split(/\r?\n/); // RFC 4180: CRLF
    expect(csv[0]).toBe(
      'id,timestamp,actor_id,actor_name,action,resource_type,resource_id,resource_name,organization_id',
    );
    expect(csv).toHaveLength(audited * apps.length + 1);
    expect(stdout).toContain(`.auditledge/demo-audit-log.csv (${audited * apps.length} rows)`);

    // Nothing is left listening: every URL the demo printed refuses connections.
    const urls = [...stdout.matchAll(/^ {2}(?:local API|express|koa|fastify|nestjs) +(http:\/\/\S+)/gm)].map(
      (m) => m[1]!,
    );
    expect(urls).toHaveLength(1 + apps.length);
    // It ends with the trail viewer's URL: the local API's, whose page closed with it.
    const viewer =
      /^ {2}(http:\/\/\S+\/) +\(stops with the demo: npm run demo -- --keep keeps it open\)$/m.exec(
        stdout,
      )?.[1];
    expect(viewer).toBe(`${urls[0]}/`);
    for (const url of urls) await expect(fetch(url), url).rejects.toThrow();
  }, 60_000);

  it('with --keep, keeps the local API up for the viewer on the demo trail until Ctrl-C', async () => {
    let checked: Promise<void> | undefined;
    const { code, stdout, stderr } = await runDemo(['--keep'], (out, child) => {
      const m = /^ {2}(http:\/\/\S+)\/ +API key (al_\S+)$/m.exec(out);
      if (!m || checked) return;
      const [, url, key] = m;
      checked = (async () => {
        const page = await fetch(`${url}/`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        const trail = await fetch(`${url}/v1/events?limit=1`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const audited = SCENARIO.filter((s) => s.event).length;
        expect(((await trail.json()) as { total: number }).total).toBe(audited * apps.length);
      })().finally(() => child.kill('SIGINT'));
    });
    await checked;
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('The local API keeps running for the viewer: Ctrl-C stops it.');
    expect(stdout).toContain('Stopping the local API.');
  }, 60_000);
});
