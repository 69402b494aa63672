// The trace panel in a real browser: the packaged extension in code-server, driven like a person
// drives it (right-click, quick picks, the palette, a hover link), against the real swarm and the
// shipped demo. Screenshots of the panel in three themes and of the hover are kept as artifacts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import { ComponentUnavailableError, REPO_ROOT, closeWorkbench, installVsix, launchBrowser, missingComponents, openWorkbench, screenshot, startCodeServer, type CodeServer } from './codeServer';
import { skipOrFail, swarmUp } from './swarm';

const VSIX = path.join(REPO_ROOT, 'dist', 'swarm-lens.vsix');
const XSS = '<img src=x onerror=alert(1)>';
let missing: string | undefined;
let env: Record<string, string> = {};
let server: CodeServer | undefined;
let browser: Browser | undefined;
let extensionDir = '';
let workspace = '';
const temps: string[] = [];

before(async () => {
  const swarm = swarmUp();
  if ('missing' in swarm) return void (missing = swarm.missing);
  env = swarm.env;
  const components = missingComponents();
  if (components.length) return void (missing = components.join(', '));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-panel-'));
  temps.push(dir);
  await installVsix({ extensionsDir: path.join(dir, 'extensions'), userDataDir: path.join(dir, 'user') }, VSIX);
  extensionDir = path.join(dir, 'extensions', fs.readdirSync(path.join(dir, 'extensions')).find((d) => d.startsWith('swarm-lens.swarm-lens-'))!);
  workspace = path.join(dir, 'ws');
  fs.mkdirSync(workspace);
  // A snapshot whose service name is markup: the panel must show it as text.
  const demo = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'media', 'demo-snapshot.json'), 'utf8'));
  for (const s of demo.raw.services) if (s.Spec.Name === 'vote') s.Spec.Name = XSS;
  for (const t of demo.raw.tasks) if (t.Status?.State === 'running' && !t.Status.Err) t.Status.Err = XSS;
  fs.writeFileSync(path.join(workspace, 'xss-snapshot.json'), JSON.stringify(demo));
  try {
    server = await startCodeServer({ env: { ...env, SWARM_LENS_EXTERNAL: process.env.SWARM_LENS_EXTERNAL ?? '' }, settings: { 'workbench.colorTheme': 'Default Dark Modern', 'window.dialogStyle': 'custom', 'files.simpleDialog.enable': true } });
    browser = await launchBrowser();
  } catch (err) {
    if (err instanceof ComponentUnavailableError) missing = err.message.split('\n')[0];
    else throw err;
  }
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
});

async function open(): Promise<Page> {
  const page = await openWorkbench(server!, workspace, { browser, extensionDevelopmentPaths: [extensionDir], viewport: { width: 1400, height: 900 } });
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
  await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/** Picks a quick-pick row by its label (the quick pick must be open). */
async function pick(page: Page, label: string | RegExp): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

const treeRow = (page: Page, name: string) => page.getByRole('treeitem', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `) }).first();

/** The webview frame whose text contains `text` (webviews are nested iframes). */
async function panelFrame(page: Page, text: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const body = await frame.locator('body').innerText({ timeout: 500 }).catch(() => '');
      if (body.includes(text)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no panel shows "${text}"`);
    await page.waitForTimeout(250);
  }
}

function ready(t: { skip(msg: string): void }): boolean {
  if (!missing) return true;
  skipOrFail(t, missing);
  return false;
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, ...env } }).trim();
}

test('right-click vote -> Trace Load Balancing from client: DNS answers linked to vote.1 and vote.2, and IPVS missing', { timeout: 180_000 }, async (t) => {
  if (!ready(t)) return;
  const page = await open();
  try {
    await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
    await treeRow(page, 'vote').click({ button: 'right' });
    await page.locator('.context-view .action-label', { hasText: 'Trace Load Balancing' }).first().click();
    await pick(page, /^client\.1/);
    const frame = await panelFrame(page, 'DNS answers', 60_000);
    const text = await frame.locator('body').innerText();
    assert.match(text, /IPVS is missing from .*'s kernel/);
    assert.match(text, /vote\.1 · /);
    assert.match(text, /vote\.2 · /);
    assert.match(text, new RegExp(docker('service', 'inspect', '-f', '{{(index .Endpoint.VirtualIPs 0).Addr}}', 'vote').split('/')[0].replace(/\./g, '\\.')));
    // A backend link reveals its task in the Swarm view.
    await frame.getByRole('link', { name: /vote\.2/ }).first().click();
    await page.waitForTimeout(500);
    assert.match((await page.locator('.monaco-list-row.selected').first().getAttribute('aria-label')) ?? '', /^vote\.2 /);
  } finally {
    await closeWorkbench(page);
  }
});

test('palette Trace Load Balancing... on votedns: the two task answers, no IPVS finding', { timeout: 180_000 }, async (t) => {
  if (!ready(t)) return;
  const page = await open();
  try {
    await treeRow(page, 'votedns').waitFor({ state: 'visible', timeout: 60_000 });
    await palette(page, 'Swarm: Trace Load Balancing...');
    await pick(page, /^votedns/);
    await pick(page, /^client\.1/);
    const frame = await panelFrame(page, 'DNS answers', 60_000);
    const text = await frame.locator('body').innerText();
    assert.equal((text.match(/votedns\.[12] · /g) ?? []).length >= 2, true, text);
    assert.doesNotMatch(text, /IPVS is missing/);
    assert.match(text, /DNS round robin/);
  } finally {
    await closeWorkbench(page);
  }
});

test('hovering the VIP of vote shows trusted links; following Trace Load Balancing opens the panel', { timeout: 180_000 }, async (t) => {
  if (!ready(t)) return;
  const vip = docker('service', 'inspect', '-f', '{{(index .Endpoint.VirtualIPs 0).Addr}}', 'vote').split('/')[0];
  fs.writeFileSync(path.join(workspace, 'app.log'), `2026-11-26 10:01:02 upstream ${vip}:80 connect() failed (113: No route to host)\n`);
  const page = await open();
  try {
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
    await pick(page, /^client\.1/);
    await panelFrame(page, 'DNS answers', 60_000);
  } finally {
    await closeWorkbench(page);
  }
});

test('the demo snapshot: mark 0x103 = 259, FWM 259 backends linked to the vote tasks, mesh 0x105 = 261; themes; restore after reload', { timeout: 240_000 }, async (t) => {
  if (!ready(t)) return;
  const page = await open();
  try {
    await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
    await palette(page, 'Swarm: Open Demo Snapshot');
    await page.getByRole('treeitem', { name: /^vote vip · 2\/2/ }).waitFor({ state: 'visible' });
    await page.waitForTimeout(500);
    assert.match((await page.locator('.statusbar').innerText()), /snapshot of seed-demo/);
    await treeRow(page, 'vote').click({ button: 'right' });
    await page.locator('.context-view .action-label', { hasText: 'Trace Load Balancing' }).first().click();
    await pick(page, /^client\.1/);
    const frame = await panelFrame(page, 'FWM 259');
    const text = await frame.locator('body').innerText();
    assert.match(text, /0x103 = 259/);
    assert.match(text, /vote\.1 · node2 · running/);
    assert.match(text, /vote\.2 · node1 · running/);
    assert.match(text, /legacy layout/);
    for (const [theme, file] of [['Default Dark Modern', 'panel-dark.png'], ['Default Light Modern', 'panel-light.png'], ['Default High Contrast', 'panel-high-contrast.png']]) {
      fs.writeFileSync(path.join(server!.userDataDir, 'User', 'settings.json'), JSON.stringify({ 'workbench.colorTheme': theme, 'workbench.startupEditor': 'none' }));
      await page.waitForTimeout(1500);
      await screenshot(page, file);
    }
    // The window reloads: the serializer brings the panel back with its trace.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
    const restored = await panelFrame(page, 'FWM 259', 60_000);
    assert.match(await restored.locator('body').innerText(), /0x103 = 259/);

    await palette(page, 'Swarm: Trace Routing Mesh...');
    const mesh = await panelFrame(page, '0x105 = 261', 60_000);
    assert.match(await mesh.locator('body').innerText(), /172\.18\.0\.2:8080/);
    await screenshot(page, 'panel-mesh.png');
  } finally {
    await closeWorkbench(page);
  }
});

test('markup in cluster data shows as text in the panel and runs nothing', { timeout: 180_000 }, async (t) => {
  if (!ready(t)) return;
  const page = await open();
  try {
    await palette(page, 'Swarm: Open Snapshot...');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(path.join(workspace, 'xss-snapshot.json'));
    await page.keyboard.press('Enter');
    await treeRow(page, XSS).waitFor({ state: 'visible', timeout: 30_000 });
    await treeRow(page, XSS).click({ button: 'right' });
    await page.locator('.context-view .action-label', { hasText: 'Trace Load Balancing' }).first().click();
    await pick(page, /^client\.1/);
    const frame = await panelFrame(page, XSS);
    assert.equal(await frame.locator('img[src="x"]').count(), 0, 'no element was created from the markup');
    await page.waitForTimeout(500); // an onerror handler would have fired (and the dialog listener thrown) by now
  } finally {
    await closeWorkbench(page);
  }
});
