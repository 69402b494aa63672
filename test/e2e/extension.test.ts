// The packaged extension (dist/swarm-lens.vsix, what users install) in a real VS Code
// (code-server + chromium) against a real swarm (test/swarm/up.sh, or DOCKER_HOST with
// SWARM_LENS_EXTERNAL=1). Runs the mocha suite in test/integration inside the extension host,
// then looks at the Services tree in the browser and keeps a screenshot.
// In CI a missing component fails; elsewhere it skips with one line saying what is missing.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { screenshot } from './browser';
import { REPO_ROOT } from './environment';
import { runExtensionTests } from './extensionTests';
import { closeWorkbench, hoverText, openViewContainer, openWorkbench, quickPick } from './workbench';
import { startVsCodeUnderTest, type VsCodeUnderTest } from './vscodeUnderTest';

let vscode: VsCodeUnderTest;

before(async () => {
  vscode = await startVsCodeUnderTest({ 'window.commandCenter': false });
});

after(() => vscode.dispose());

test('integration suite in the VS Code extension host, against the real swarm', { timeout: 10 * 60_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  const result = await runExtensionTests({
    server: vscode.server!,
    browser: vscode.browser,
    extensionDevelopmentPath: vscode.extensionDir,
    extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'integration', 'index.js'),
    env: { ...vscode.env, PATH: process.env.PATH ?? '' },
    timeoutMs: 8 * 60_000,
    logPath: 'e2e/integration.log',
    screenshotPath: 'e2e/integration-end.png',
  });
  const mocha = result.consoleLog.filter((l) => /\[Extension Host\]|integration/.test(l)).map((l) => l.replace(/^.*\[Extension Host\]\s*/, ''));
  console.log(mocha.join('\n'));
  assert.equal(result.exitCode, 0, `the integration suite failed (exit ${result.exitCode}); log: test-artifacts/e2e/integration.log`);
  // "0 passing, 0 failing" is no pass: every test declared in test/integration must have run.
  const done = mocha.map((l) => /done: (\d+) passing, (\d+) failing, (\d+) pending/.exec(l)).find((m) => m);
  assert.ok(done, 'mocha reported its counts');
  const [passing, failing, pending] = done.slice(1).map(Number);
  const declared = fs.readdirSync(path.join(REPO_ROOT, 'test', 'integration')).filter((f) => f.endsWith('.test.ts')).reduce((n, f) => n + (fs.readFileSync(path.join(REPO_ROOT, 'test', 'integration', f), 'utf8').match(/^\s*test\(/gm) ?? []).length, 0);
  assert.equal(failing, 0);
  assert.ok(passing > 0, 'some integration tests passed');
  assert.equal(passing + pending, declared, `each of the ${declared} tests in test/integration ran`);
});

test('the Services tree and an IP hover in the browser show the real swarm (screenshot)', { timeout: 5 * 60_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  const workspace = fs.mkdtempSync(path.join(vscode.dir, 'ws-'));
  const vip = execFileSync('docker', ['service', 'inspect', '-f', '{{(index .Endpoint.VirtualIPs 0).Addr}}', 'vote'], { env: { ...process.env, ...vscode.env }, encoding: 'utf8' }).trim().split('/')[0];
  fs.writeFileSync(path.join(workspace, 'access.log'), `10:01:02 upstream vote ${vip}:80 connect() failed (113: No route to host)\n`);
  const page = await openWorkbench(vscode.server!, workspace, { browser: vscode.browser, extensionDevelopmentPaths: [vscode.extensionDir], viewport: { width: 1280, height: 800 } });
  try {
    await openViewContainer(page, 'Swarm');
    // Tree rows are named "label description", as a screen reader reads them.
    const row = (name: string) => page.getByRole('treeitem', { name: new RegExp(`^${name.replace(/\./g, '\\.')} `) }).first();
    await row('vote').waitFor({ state: 'visible', timeout: 60_000 });
    assert.match((await row('vote').getAttribute('aria-label')) ?? '', /^vote vip · 2\/2/);
    assert.match((await row('votedns').getAttribute('aria-label')) ?? '', /^votedns dnsrr · 2\/2/);
    if ((await row('vote').getAttribute('aria-expanded')) !== 'true') await row('vote').click();
    await row(vip).waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await row(vip).getAttribute('aria-label')) ?? '', /on overlay1 · mark 0x[0-9a-f]+ \(\d+\)/);
    await row('vote.1').waitFor({ state: 'visible', timeout: 15_000 });
    if ((await row('votedns').getAttribute('aria-expanded')) !== 'true') await row('votedns').click();
    await row('votedns.2').waitFor({ state: 'visible', timeout: 15_000 });
    // Room for the descriptions: drag the sash on the side bar's right edge.
    const sidebar = (await page.locator('.part.sidebar').boundingBox())!;
    const sashes = await page.locator('.monaco-sash.vertical:not(.disabled)').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x + r.width / 2, y: r.y, h: r.height })));
    const sash = sashes.find((r) => Math.abs(r.x - (sidebar.x + sidebar.width)) < 6 && r.h > 100);
    if (sash) {
      await page.mouse.move(sash.x, sash.y + 300);
      await page.mouse.down();
      await page.mouse.move(sash.x + 80, sash.y + 300, { steps: 4 });
      await page.mouse.move(sash.x + 160, sash.y + 300, { steps: 4 });
      await page.mouse.up();
    }
    // The log file in the editor, and the hover on the VIP in it, in the same picture.
    await quickPick(page, 'Control+P', 'access.log', 'access.log');
    const line = page.locator('.editor-instance .view-line', { hasText: vip }).locator('> span').first();
    const hover = page.locator('.monaco-hover').filter({ hasText: 'VIP of service' }).first();
    await hoverText(page, line, vip, hover);
    assert.match(await hover.innerText(), new RegExp(`${vip.replace(/\./g, '\\.')}: VIP of service vote on overlay1, mark 0x[0-9a-f]+ \\(\\d+\\)`));
    assert.match(await hover.innerText(), /Reveal in Swarm View/);
    const file = await screenshot(page, 'services-tree.png');
    assert.ok(fs.statSync(file).size > 10_000, 'a real screenshot');
  } finally {
    await closeWorkbench(page);
  }
});
