// The trace panel in a real browser: the packaged extension in code-server, driven like a person
// drives it (right-click, quick picks, the palette, a hover link), against the real swarm and the
// shipped demo. Screenshots of the panel in three themes and of the hover are kept as artifacts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { ARTIFACTS_DIR, REPO_ROOT, closeWorkbench, consoleLogOf, openWorkbench, screenshot } from './codeServer';
import { startVsCodeUnderTest, type VsCodeUnderTest } from './vscodeUnderTest';

const XSS = '<img src=x onerror=alert(1)>';
let vscode: VsCodeUnderTest;
let workspace = '';

before(async () => {
  vscode = await startVsCodeUnderTest({ 'files.simpleDialog.enable': true });
  workspace = path.join(vscode.dir, 'ws');
  fs.mkdirSync(workspace);
  // A snapshot whose service name and task errors are markup: the panel must show them as text.
  const demo = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'media', 'demo-snapshot.json'), 'utf8'));
  for (const s of demo.raw.services) if (s.Spec.Name === 'vote') s.Spec.Name = XSS;
  for (const t of demo.raw.tasks) if (t.Status?.State === 'running' && !t.Status.Err) t.Status.Err = XSS;
  fs.writeFileSync(path.join(workspace, 'xss-snapshot.json'), JSON.stringify(demo));
});

after(() => vscode.dispose());

async function open(): Promise<Page> {
  const page = await openWorkbench(vscode.server!, workspace, { browser: vscode.browser, extensionDevelopmentPaths: [vscode.extensionDir], viewport: { width: 1400, height: 900 } });
  page.on('dialog', (d) => {
    void d.dismiss();
    throw new Error(`a dialog opened: ${d.message()}`);
  });
  const swarm = page.locator('.activitybar .action-item', { has: page.locator('a[aria-label="Swarm"]') }).first();
  if (!(await swarm.getAttribute('class'))?.includes('checked')) await swarm.click();
  return page;
}

async function palette(page: Page, command: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${command}`);
  // Click the row itself: Enter would take whichever row is active while the list still filters.
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
}

/** Picks a quick-pick row by its label (the quick pick must be open). */
async function pick(page: Page, label: string | RegExp): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

/** Right-click a tree row and choose a context menu entry. */
async function contextMenu(page: Page, row: string, entry: string): Promise<void> {
  await treeRow(page, row).click({ button: 'right' });
  const item = page.locator('.context-view .action-item', { hasText: entry }).first();
  await item.waitFor({ state: 'visible' });
  await page.waitForTimeout(200); // the menu ignores clicks while it opens
  await item.hover();
  await item.click();
}

const treeRow = (page: Page, name: string) => page.getByRole('treeitem', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `) }).first();

/** The webview frame whose text contains `text` (webviews are nested iframes). */
async function panelFrame(page: Page, text: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      // textContent: innerText follows CSS (upper-cased headings) and would not match.
      const body = await frame.evaluate(() => document.body?.textContent ?? '').catch(() => '');
      if (body.includes(text)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no panel shows "${text}"`);
    await page.waitForTimeout(250);
  }
}

/** Opens the workbench, runs `body`, keeps a screenshot of the moment it failed. */
async function withPage(name: string, body: (page: Page) => Promise<void>): Promise<void> {
  const page = await open();
  try {
    await body(page);
  } catch (err) {
    await screenshot(page, `e2e/failed-${name}.png`).catch(() => undefined);
    fs.writeFileSync(path.join(ARTIFACTS_DIR, 'e2e', `failed-${name}.log`), consoleLogOf(page).join('\n'));
    throw err;
  } finally {
    await closeWorkbench(page);
  }
}


function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, ...vscode.env } }).trim();
}

test('right-click vote -> Trace Load Balancing from client: DNS answers linked to vote.1 and vote.2, and IPVS missing', { timeout: 180_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('trace-vote', async (page) => {
    await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
    await contextMenu(page, 'vote', 'Trace Load Balancing');
    await pick(page, 'client.1');
    const frame = await panelFrame(page, 'tasks.vote', 60_000);
    const text = await frame.locator('body').innerText();
    assert.match(text, /IPVS is missing from .*'s kernel/);
    assert.match(text, /vote\.1 · /);
    assert.match(text, /vote\.2 · /);
    assert.match(text, new RegExp(docker('service', 'inspect', '-f', '{{(index .Endpoint.VirtualIPs 0).Addr}}', 'vote').split('/')[0].replace(/\./g, '\\.')));
    // A backend link reveals its task in the Swarm view.
    await frame.getByRole('button', { name: /^Reveal task vote\.2 / }).first().click();
    await page.waitForTimeout(500);
    assert.match((await page.locator('.monaco-list-row.selected').first().getAttribute('aria-label')) ?? '', /^vote\.2 /);
  });
});

test('palette Trace Load Balancing... on votedns: the two task answers, no IPVS finding', { timeout: 180_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('trace-votedns', async (page) => {
    await treeRow(page, 'votedns').waitFor({ state: 'visible', timeout: 60_000 });
    await palette(page, 'Swarm: Trace Load Balancing...');
    await pick(page, 'votedns');
    await pick(page, 'client.1');
    const frame = await panelFrame(page, 'tasks.vote', 60_000);
    const text = await frame.locator('body').innerText();
    assert.equal((text.match(/votedns\.[12] · /g) ?? []).length >= 2, true, text);
    assert.doesNotMatch(text, /IPVS is missing/);
    assert.match(text, /DNS round robin/);
  });
});

test('hovering the VIP of vote shows trusted links; following Trace Load Balancing opens the panel', { timeout: 180_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  const vip = docker('service', 'inspect', '-f', '{{(index .Endpoint.VirtualIPs 0).Addr}}', 'vote').split('/')[0];
  fs.writeFileSync(path.join(workspace, 'app.log'), `2026-11-26 10:01:02 upstream ${vip}:80 connect() failed (113: No route to host)\n`);
  await withPage('hover-trace', async (page) => {
    await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('app.log');
    await pick(page, 'app.log');
    const line = page.locator('.editor-instance .view-line', { hasText: vip }).locator('> span').first();
    await line.waitFor({ state: 'visible' });
    await page.waitForTimeout(300);
    const box = (await line.boundingBox())!;
    const text = await line.innerText();
    await page.mouse.move(box.x + ((text.indexOf(vip) + 3) * box.width) / text.length, box.y + box.height / 2, { steps: 3 });
    const hover = page.locator('.monaco-hover').filter({ hasText: 'VIP of service' }).first();
    await hover.waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot(page, 'hover.png');
    await hover.locator('a', { hasText: 'Trace Load Balancing' }).click();
    await pick(page, 'client.1');
    await panelFrame(page, 'tasks.vote', 60_000);
  });
});

/** Opens the demo snapshot and traces vote from client.1 through the context menu. */
async function demoTrace(page: Page): Promise<Frame> {
  await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
  await palette(page, 'Swarm: Open Demo Snapshot');
  await page.locator('.statusbar', { hasText: 'snapshot of seed-demo' }).waitFor({ state: 'visible' });
  await treeRow(page, 'voteweb').waitFor({ state: 'visible' });
  await page.waitForTimeout(1000); // let the tree settle: a menu on a row being replaced gets no element
  await contextMenu(page, 'vote', 'Trace Load Balancing');
  await pick(page, 'client.1');
  return panelFrame(page, 'FWM 259');
}

test('the demo snapshot: mark 0x103 = 259, FWM 259 backends linked to the vote tasks, mesh 0x105 = 261; restore after reload', { timeout: 240_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('demo', async (page) => {
    const frame = await demoTrace(page);
    const text = await frame.locator('body').innerText();
    assert.match(text, /0x103 = 259/);
    assert.match(text, /vote\.1 · node2 · running/);
    assert.match(text, /vote\.2 · node1 · running/);
    assert.match(text, /legacy layout/);
    await screenshot(page, 'panel-dark.png');
    // The strict CSP holds: nothing the panel loads or runs was refused.
    assert.deepEqual(consoleLogOf(page).filter((l) => /Content[- ]Security[- ]Policy/i.test(l)), []);
    await palette(page, 'Swarm: Trace Routing Mesh...');
    const mesh = await panelFrame(page, '0x105 = 261', 60_000);
    assert.match(await mesh.locator('body').innerText(), /172\.18\.0\.2:8080/);
    await screenshot(page, 'panel-mesh.png');
    // The window reloads: the serializer brings the panel back with its trace (the extension
    // host restarts, so this also shows a restore needs no live reads).
    // The browser workbench stores its editors and webview states a few seconds after a change.
    await page.waitForTimeout(5000);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
    const restored = await panelFrame(page, '0x105 = 261', 60_000);
    assert.match(await restored.locator('body').innerText(), /172\.18\.0\.2:8080/);
    // ...and the views answer from the same snapshot as before the reload.
    await page.locator('.statusbar', { hasText: 'snapshot of seed-demo' }).waitFor({ state: 'visible', timeout: 30_000 });
  });
});

test('the panel in the light and high-contrast themes (screenshots)', { timeout: 240_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  const settingsFile = path.join(vscode.server!.userDataDir, 'User', 'settings.json');
  const original = fs.readFileSync(settingsFile, 'utf8');
  try {
    for (const [theme, file] of [['Default Light Modern', 'panel-light.png'], ['Default High Contrast', 'panel-high-contrast.png']]) {
      // A new window reads the theme at start, as after a user's choice.
      fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(original), 'workbench.colorTheme': theme }));
      await withPage(`theme-${file}`, async (page) => {
        await demoTrace(page);
        await page.waitForTimeout(500);
        await screenshot(page, file);
      });
    }
  } finally {
    fs.writeFileSync(settingsFile, original);
  }
});

test('markup in cluster data shows as text in the panel and runs nothing', { timeout: 180_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('xss', async (page) => {
    await palette(page, 'Swarm: Open Snapshot...');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(path.join(workspace, 'xss-snapshot.json'));
    await page.waitForTimeout(300); // the simple file dialog checks the typed path before it accepts Enter
    await page.keyboard.press('Enter');
    await treeRow(page, XSS).waitFor({ state: 'visible', timeout: 30_000 });
    await contextMenu(page, XSS, 'Trace Load Balancing');
    await pick(page, 'client.1');
    const frame = await panelFrame(page, XSS);
    assert.equal(await frame.locator('img[src="x"]').count(), 0, 'no element was created from the markup');
    await page.waitForTimeout(500); // an onerror handler would have fired (and the dialog listener thrown) by now
  });
});

test('palette Resolve Service Name... and Save Snapshot... on the real swarm', { timeout: 180_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('resolve-save', async (page) => {
    await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
    await palette(page, 'Swarm: Resolve Service Name...');
    await pick(page, 'client.1');
    await pick(page, 'tasks.vote');
    // The answers come back as a list: each address named as its task.
    const answers = page.locator('.quick-input-list .monaco-list-row');
    await page.locator('.quick-input-title', { hasText: 'tasks.vote from client.1: NOERROR' }).waitFor({ state: 'visible', timeout: 30_000 });
    const rows = await answers.allInnerTexts();
    assert.equal(rows.filter((r) => /vote\.[12] on /.test(r)).length, 2, rows.join('\n'));
    await page.keyboard.press('Escape');

    // The dialog proposes a file in the open folder; a person accepts it.
    const file = path.join(workspace, `swarm-snapshot-${new Date().toISOString().slice(0, 10)}.json`);
    await palette(page, 'Swarm: Save Snapshot...');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await page.waitForFunction((f) => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value.endsWith(f), path.basename(file));
    await page.waitForTimeout(300); // the simple file dialog checks the path before it accepts Enter
    await page.keyboard.press('Enter');
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(file) && Date.now() < deadline) await page.waitForTimeout(250);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(saved.format, 'swarm-lens-snapshot');
    assert.ok(saved.nodes[0].output.sandboxes.some((s: { netns: string }) => s.netns.endsWith('ingress_sbox')));
    assert.ok(saved.raw.services.some((s: { Spec: { Name: string } }) => s.Spec.Name === 'vote'));
  });
});

test('palette Select Docker Context... lists the contexts and keeps reading the chosen engine', { timeout: 120_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('select-context', async (page) => {
    await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
    await palette(page, 'Swarm: Select Docker Context...');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'default' }).first();
    await row.waitFor({ state: 'visible' });
    // `default` is the DOCKER_HOST this window was started with, as `docker context ls` shows it.
    assert.match(await row.innerText(), new RegExp(vscode.env.DOCKER_HOST.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    await row.click();
    await page.locator('.statusbar', { hasText: /default · .* · manager/ }).waitFor({ state: 'visible', timeout: 30_000 });
    await treeRow(page, 'vote').waitFor({ state: 'visible' });
  });
});
