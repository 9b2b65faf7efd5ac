import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCENARIO } from '../../examples/shared/src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `scripts/demo.ts` as `npm run demo` does (after setup), collecting its output. */
function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it('drives the scenario through the three apps, prints the trail, writes the CSV, exits 0 and leaves nothing running', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(code, `${stdout}\n${stderr}`).toBe(0);

    const audited = SCENARIO.filter((s) => s.event).length;
    expect(stdout).toContain(`query(): ${audited * 3} events, oldest first`);
    expect(stdout).toContain(`Each app recorded exactly the ${audited} events the scenario expects`);
    expect(stdout).not.toContain('✗');
    for (const app of ['express', 'koa', 'fastify']) {
      expect(stdout).toMatch(
        new RegExp(`\\d\\d:\\d\\d:\\d\\d +${app} +Alice Martin +invoice\\.created +invoice:inv_4 +org_acme`),
      );
      expect(stdout).toMatch(
        new RegExp(`${app} +anonymous +organization\\.created +organization:org_initech`),
      );
      expect(stdout).toMatch(
        new RegExp(`${app} +exited 0; audit events delivered: ${audited}, not delivered: 0`),
      );
    }
    expect(stdout).toContain(`plan free: ${audited * 3} of 10,000 events this month`);
    expect(stdout.includes('\u001b[')).toBe(false); // no colour codes when stdout is not a terminal

    const csv = readFileSync(`${root}.auditledge/demo-audit-log.csv`, 'utf8').trimEnd().split(/\r?\n/); // RFC 4180: CRLF
    expect(csv[0]).toBe(
      'id,timestamp,actor_id,actor_name,action,resource_type,resource_id,resource_name,organization_id',
    );
    expect(csv).toHaveLength(audited * 3 + 1);
    expect(stdout).toContain(`.auditledge/demo-audit-log.csv (${audited * 3} rows)`);

    // Nothing is left listening: every URL the demo printed refuses connections.
    const urls = [...stdout.matchAll(/^ {2}(?:local API|express|koa|fastify) +(http:\/\/\S+)/gm)].map(
      (m) => m[1]!,
    );
    expect(urls).toHaveLength(4);
    for (const url of urls) await expect(fetch(url), url).rejects.toThrow();
  }, 60_000);
});
