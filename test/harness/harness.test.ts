/**
 * Self-test of the real-VS-Code harness (test/e2e: codeServer, browser, extensionTests, workbench)
 * with the throwaway extension in test/harness/smoke: it checks the test tooling, not Swarm Lens,
 * so it runs apart from the product's tests (scripts/test-all.sh). Run:
 *   npx tsc -p tsconfig.test.json && node --test out/test/harness/harness.test.js
 *
 * Needs code-server (scripts/install-code-server.sh) and /usr/bin/chromium. When they are missing
 * or cannot start: FAILS if CI=true, otherwise prints one line saying what is missing and skips.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot } from '../e2e/browser';
import { installVsix, startCodeServer, type CodeServer } from '../e2e/codeServer';
import { ComponentUnavailableError, REPO_ROOT, missingComponents } from '../e2e/environment';
import { runExtensionTests } from '../e2e/extensionTests';
import { closeWorkbench, consoleLogOf, openViewContainer, openWorkbench } from '../e2e/workbench';

const CI = process.env.CI === 'true';
const SMOKE_EXT = path.join(REPO_ROOT, 'test', 'harness', 'smoke');
const SMOKE_OUT = path.join(REPO_ROOT, 'out', 'test', 'harness', 'smoke');

function unavailable(t: { skip(msg: string): void }, what: string): void {
  const msg = `e2e harness: ${what}`;
  if (CI) assert.fail(`${msg} (CI=true, so this is a failure; run scripts/install-code-server.sh first)`);
  console.log(`${msg} -- skipping`);
  t.skip(msg);
}

function tail(lines: string[], n = 60): string {
  return lines.slice(-n).join('\n');
}

test('code-server harness', { timeout: 10 * 60_000 }, async (t) => {
  const missing = missingComponents();
  if (missing.length) return unavailable(t, `missing ${missing.join(', ')}`);

  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-e2e-ws-'));
  fs.writeFileSync(path.join(workspace, 'hello.txt'), 'hello from the e2e harness\n');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    try {
      const t0 = Date.now();
      server = await startCodeServer({ settings: { 'workbench.colorTheme': 'Default Light Modern' } });
      t.diagnostic(`code-server ready in ${Date.now() - t0} ms at ${server.url}`);
      const t1 = Date.now();
      browser = await launchBrowser();
      t.diagnostic(`chromium launched in ${Date.now() - t1} ms (${browser.version()})`);
    } catch (err) {
      if (err instanceof ComponentUnavailableError) return unavailable(t, `${err.component} cannot start: ${err.message.split('\n')[0]}`);
      throw err;
    }
    const srv = server;
    const br = browser;

    await t.test('smoke extension tests pass (exit code 0)', async () => {
      const res = await runExtensionTests({
        server: srv,
        browser: br,
        extensionDevelopmentPath: SMOKE_EXT,
        extensionTestsPath: path.join(SMOKE_OUT, 'suite', 'index.js'),
        workspaceFolder: workspace,
        env: { E2E_SMOKE_MARKER: 'from-harness', E2E_SMOKE_WORKSPACE: workspace },
        timeoutMs: 120_000,
        screenshotPath: 'harness/passing-run.png',
        logPath: 'harness/passing-run.log',
      });
      t.diagnostic(`passing run: exit ${res.exitCode} in ${res.durationMs} ms`);
      assert.equal(res.exitCode, 0, `expected exit code 0, console:\n${tail(res.consoleLog)}`);
      const text = res.consoleLog.join('\n');
      assert.match(text, /runs in a real VS Code 1\.100 extension host/, 'mocha spec output not captured');
      assert.match(text, /8 passing, 0 failing/);
    });

    await t.test('a failing extension test makes the run fail (exit code 1)', async () => {
      const res = await runExtensionTests({
        server: srv,
        browser: br,
        extensionDevelopmentPath: SMOKE_EXT,
        extensionTestsPath: path.join(SMOKE_OUT, 'failing', 'index.js'),
        workspaceFolder: workspace,
        timeoutMs: 120_000,
        logPath: 'harness/failing-run.log',
      });
      t.diagnostic(`failing run: exit ${res.exitCode} in ${res.durationMs} ms`);
      assert.equal(res.exitCode, 1, `expected exit code 1, console:\n${tail(res.consoleLog)}`);
      assert.match(res.consoleLog.join('\n'), /deliberate failure/);
    });

    await t.test('workbench UI: open the smoke view from the activity bar, screenshot', async () => {
      const t0 = Date.now();
      const page = await openWorkbench(srv, workspace, { browser: br, extensionDevelopmentPaths: [SMOKE_EXT] });
      try {
        t.diagnostic(`workbench visible in ${Date.now() - t0} ms`);
        await openViewContainer(page, 'E2E Smoke');
        const row = page.locator('.part.sidebar .monaco-list-row', { hasText: 'beta' });
        await row.waitFor({ state: 'visible', timeout: 30_000 });
        t.diagnostic(`smoke tree populated ${Date.now() - t0} ms after goto`);
        await row.click();
        const file = await screenshot(page, 'harness/smoke-view.png');
        t.diagnostic(`screenshot: ${file}`);
        assert.ok(fs.statSync(file).size > 10_000);
        const title = await page.locator('.part.sidebar .composite.title').innerText();
        assert.match(title, /E2E SMOKE/i);
      } catch (err) {
        await screenshot(page, 'harness/smoke-view-FAILED.png').catch(() => undefined);
        throw new Error(`${(err as Error).message}\nconsole:\n${tail(consoleLogOf(page))}`, { cause: err });
      } finally {
        await closeWorkbench(page);
      }
    });

    await t.test('installVsix: the packaged smoke extension installs and loads without a payload', async () => {
      const vsce = path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
      if (!fs.existsSync(vsce)) return t.diagnostic('vsce not installed (npm ci), installVsix not exercised');
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-e2e-vsix-'));
      let second: CodeServer | undefined;
      try {
        const vsix = path.join(tmp, 'e2e-smoke.vsix');
        execFileSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], {
          cwd: SMOKE_EXT,
          stdio: 'pipe',
        });
        const dirs = { extensionsDir: path.join(tmp, 'extensions'), userDataDir: path.join(tmp, 'user-data') };
        const out = await installVsix(dirs, vsix);
        assert.match(out, /successfully installed/i);
        assert.ok(fs.readdirSync(dirs.extensionsDir).some((d) => d.startsWith('swarm-lens-test.e2e-smoke-0.0.1')));
        second = await startCodeServer(dirs);
        const page = await openWorkbench(second, workspace, { browser: br });
        try {
          await openViewContainer(page, 'E2E Smoke');
          await page.locator('.part.sidebar .monaco-list-row', { hasText: 'gamma' }).waitFor({ timeout: 30_000 });
          await screenshot(page, 'harness/vsix-view.png');
        } finally {
          await closeWorkbench(page);
        }
      } finally {
        await second?.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) {
      if (process.env.E2E_VERBOSE === '1') console.log(server.logs());
      await server.stop();
    }
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
