// The trace panel in a real browser: the packaged extension in code-server, driven like a person
// drives it (right-click, quick picks, the palette, a hover link), against the real swarm and the
// shipped demo. Screenshots of the panel in three themes and of the hover are kept as artifacts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { screenshot } from './browser';
import { REPO_ROOT } from './environment';
import { parseBundle } from '../../src/core/bundle/bundle';
import { bundleTraceContext } from '../../src/core/bundle/collect';
import { traceMesh, traceService } from '../../src/core/trace/run';
import { startVsCodeUnderTest, type VsCodeUnderTest } from './vscodeUnderTest';
import { acceptFileDialog, consoleLogOf, contextMenu, hoverText, palette, panelFrame, pick, quickPick, retryGesture, sourcePick, treeRow, waitUntil, withPage as withSwarmPage } from './workbench';

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

/** What the browser workbench has written of this folder's state to IndexedDB (it writes when idle, every few seconds). */
function savedWorkspaceState(page: Page, keys: string[]): Promise<Record<string, string | undefined>> {
  return page.evaluate(async (keys) => {
    const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n?.startsWith('vscode-web-state-db-') && n !== 'vscode-web-state-db-global');
    if (!name) return {};
    const db = await new Promise<IDBDatabase>((resolve, reject) => Object.assign(indexedDB.open(name), { onsuccess(this: IDBOpenDBRequest) { resolve(this.result); }, onerror: reject }));
    try {
      const store = db.transaction('ItemTable', 'readonly').objectStore('ItemTable');
      const values = await Promise.all(keys.map((k) => new Promise<unknown>((resolve) => Object.assign(store.get(k), { onsuccess(this: IDBRequest) { resolve(this.result); }, onerror: () => resolve(undefined) }))));
      return Object.fromEntries(keys.map((k, i) => [k, values[i] === undefined ? undefined : String(values[i])]));
    } finally {
      db.close();
    }
  }, keys);
}

/** The titles and trace kinds of the trace panels in a saved editor layout. */
function savedTracePanels(editorMemento: string | undefined): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const editor = node as { id?: string; value?: string };
    if (editor.id === 'workbench.editors.webviewInput' && typeof editor.value === 'string') {
      const input = JSON.parse(editor.value) as { providedId?: string; title?: string; state?: string };
      const kind = input.state ? (JSON.parse(input.state) as { trace?: { kind?: string } }).trace?.kind : undefined;
      if (input.providedId === 'swarmLens.trace') found.push(`${input.title} (${kind})`);
    }
    for (const child of Object.values(node)) visit(child);
  };
  if (editorMemento) visit(JSON.parse(editorMemento));
  return found;
}

/** Opens the workbench, runs `body`, keeps a screenshot of the moment it failed. */
const withPage = (name: string, body: (page: Page) => Promise<void>) => withSwarmPage(vscode, workspace, name, body);

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, ...vscode.env } }).trim();
}

test('right-click vote -> Trace Load Balancing from client: DNS answers linked to vote.1 and vote.2, and IPVS missing', { timeout: 180_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('trace-vote', async (page) => {
    await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
    await contextMenu(page, 'vote', 'Trace Load Balancing', sourcePick(page, 'vote'));
    await pick(page, 'client.1');
    const frame = await panelFrame(page, 'tasks.vote', 60_000);
    const text = await frame.locator('body').innerText();
    assert.match(text, /IPVS is missing from .*'s kernel/);
    assert.match(text, /vote\.1 · /);
    assert.match(text, /vote\.2 · /);
    assert.match(text, new RegExp(docker('service', 'inspect', '-f', '{{(index .Endpoint.VirtualIPs 0).Addr}}', 'vote').split('/')[0].replace(/\./g, '\\.')));
    // A backend link reveals its task in the Swarm view.
    const selected = page.locator('.monaco-list-row.selected').first();
    await retryGesture(
      'Reveal task vote.2',
      () => frame.getByRole('button', { name: /^Reveal task vote\.2 / }).first().click({ timeout: 5000 }),
      (t) => page.waitForFunction(() => document.querySelector('.monaco-list-row.selected')?.getAttribute('aria-label')?.startsWith('vote.2 '), undefined, { timeout: t }),
    );
    assert.match((await selected.getAttribute('aria-label')) ?? '', /^vote\.2 /);
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
    await quickPick(page, 'Control+P', 'app.log', 'app.log');
    const line = page.locator('.editor-instance .view-line', { hasText: vip }).locator('> span').first();
    const hover = page.locator('.monaco-hover').filter({ hasText: 'VIP of service' }).first();
    await hoverText(page, line, vip, hover);
    await screenshot(page, 'hover.png');
    // The hover can close before the click lands (a re-render): hover again and follow the link.
    const link = hover.locator('a', { hasText: 'Trace Load Balancing' });
    await retryGesture(
      'follow Trace Load Balancing in the hover',
      async () => {
        if (!(await link.isVisible())) await hoverText(page, line, vip, hover);
        await link.click({ timeout: 5000 });
      },
      (t) => sourcePick(page, 'vote').waitFor({ state: 'visible', timeout: t }),
    );
    await pick(page, 'client.1');
    await panelFrame(page, 'tasks.vote', 60_000);
  });
});

/** What the shipped demo shows, worked out by the trace engine itself offline (the demo is re-collected from the lab now and then). */
async function demoExpected(): Promise<{ mark: string; fwm: string; backends: RegExp[]; meshMark: string; dnat: string }> {
  const ctx = bundleTraceContext(parseBundle(fs.readFileSync(path.join(REPO_ROOT, 'media', 'demo-snapshot.json'), 'utf8')), { timeoutMs: 1000, helperImage: 'unused', recheckDelayMs: 0 });
  const vote = (await traceService(ctx, 'vote')).vips[0];
  const mesh = (await traceMesh(ctx, 8080)).mesh[0];
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    mark: `${vote.mark!.hex} = ${vote.mark!.mark}`,
    fwm: `FWM ${vote.ipvs!.fwmark}`,
    backends: vote.ipvs!.backends.map((b) => new RegExp(`${escape(b.task!.name)} · ${b.task!.node} · running`)),
    meshMark: `${mesh.marks[0].hex} = ${mesh.marks[0].mark}`,
    dnat: mesh.dnat!,
  };
}

/** Opens the demo snapshot and traces vote from the default source through the context menu. */
async function demoTrace(page: Page): Promise<Frame> {
  await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 60_000 });
  await palette(page, 'Swarm: Open Demo Snapshot');
  await page.locator('.statusbar', { hasText: 'snapshot of swarm-lens-lab' }).waitFor({ state: 'visible' });
  await treeRow(page, 'voteweb').waitFor({ state: 'visible' });
  await contextMenu(page, 'vote', 'Trace Load Balancing', sourcePick(page, 'vote'));
  await pick(page, 'client.');
  return panelFrame(page, (await demoExpected()).fwm);
}

test('the demo snapshot (a collect of the lab): mark = LocalLBIndex, the FWM pool\'s three backends linked to their tasks, the mesh; restore after reload', { timeout: 240_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  const want = await demoExpected();
  await withPage('demo', async (page) => {
    const frame = await demoTrace(page);
    const text = await frame.locator('body').innerText();
    assert.ok(text.includes(want.mark), `${want.mark} in the panel`);
    assert.equal(want.backends.length, 3);
    for (const b of want.backends) assert.match(text, b);
    assert.doesNotMatch(text, /IPVS is missing/);
    await screenshot(page, 'panel-dark.png');
    // The strict CSP holds: nothing the panel loads or runs was refused.
    assert.deepEqual(consoleLogOf(page).filter((l) => /Content[- ]Security[- ]Policy/i.test(l)), []);
    await palette(page, 'Swarm: Trace Routing Mesh...');
    const mesh = await panelFrame(page, want.meshMark, 60_000);
    assert.ok((await mesh.locator('body').innerText()).includes(want.dnat));
    await screenshot(page, 'panel-mesh.png');
    // The window reloads: the serializer brings the panel back with its trace (the extension
    // host restarts, so this also shows a restore needs no live reads).
    // The browser workbench writes its state to IndexedDB when idle, every few seconds: reload once
    // the mesh panel (with its trace) and the extension's open snapshot are written.
    const editors = 'memento/workbench.parts.editor';
    await waitUntil('the mesh panel and the open snapshot saved by the workbench', async () => {
      const saved = await savedWorkspaceState(page, [editors, 'swarm-lens.swarm-lens']);
      return savedTracePanels(saved[editors]).includes('Mesh: 8080/tcp (mesh)') && saved['swarm-lens.swarm-lens']?.includes('demo-snapshot.json');
    });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
    const restored = await panelFrame(page, want.meshMark, 60_000);
    assert.ok((await restored.locator('body').innerText()).includes(want.dnat));
    // ...and the views answer from the same snapshot as before the reload.
    await page.locator('.statusbar', { hasText: 'snapshot of swarm-lens-lab' }).waitFor({ state: 'visible', timeout: 30_000 });
  });
});

/** A CSS colour (`#rgb[a]`, `#rrggbb[aa]`, `rgb()`, `rgba()`) as "r,g,b,a", to compare the webview's computed colours with the theme's values. */
function rgba(colour: string): string {
  const c = colour.trim();
  let hex = /^#([0-9a-f]{3,8})$/i.exec(c)?.[1];
  if (hex) {
    if (hex.length <= 4) hex = hex.replace(/./g, '$&$&');
    const [r, g, b, a = 255] = hex.match(/../g)!.map((x) => parseInt(x, 16));
    return `${r},${g},${b},${Math.round((a / 255) * 100) / 100}`;
  }
  const fn = /^rgba?\(([^)]*)\)$/.exec(c);
  assert.ok(fn, `a colour: "${colour}"`);
  const [r, g, b, a = '1'] = fn[1].split(/[\s,/]+/).filter(Boolean);
  return `${r},${g},${b},${Math.round(Number(a) * 100) / 100}`;
}

test('the panel follows the dark, light and high-contrast themes: its colours are the workbench theme\'s (screenshots)', { timeout: 360_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  const settingsFile = path.join(vscode.server!.userDataDir, 'User', 'settings.json');
  const original = fs.readFileSync(settingsFile, 'utf8');
  const seen: Record<string, { background: string; foreground: string }> = {};
  try {
    // Dark is pictured by the demo test (panel-dark.png); here its colours are compared too.
    for (const [theme, file] of [['Default Dark Modern', undefined], ['Default Light Modern', 'panel-light.png'], ['Default High Contrast', 'panel-high-contrast.png']] as const) {
      // A new window reads the theme at start, as after a user's choice.
      fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(original), 'workbench.colorTheme': theme }));
      await withPage(`theme-${theme.replace(/ /g, '-')}`, async (page) => {
        const frame = await demoTrace(page);
        // The theme's own values, as the workbench has them.
        const workbench = await page.evaluate(() => {
          const style = getComputedStyle(document.querySelector('.monaco-workbench')!);
          const v = (name: string) => style.getPropertyValue(name).trim();
          return { background: v('--vscode-editor-background'), foreground: v('--vscode-foreground'), link: v('--vscode-textLink-foreground'), contrastBorder: v('--vscode-contrastBorder') };
        });
        // What the panel paints: the page, its text, a link, a section's border.
        const panel = await frame.evaluate(() => {
          const body = getComputedStyle(document.body);
          const link = document.querySelector('button.link');
          const section = document.querySelector('vscode-collapsible.section');
          return {
            background: body.backgroundColor,
            foreground: body.color,
            link: link ? getComputedStyle(link).color : '',
            sectionBorder: section ? getComputedStyle(section).borderTopColor : '',
            sectionBorderWidth: section ? getComputedStyle(section).borderTopWidth : '',
          };
        });
        const where = `${theme}: panel ${JSON.stringify(panel)}, workbench ${JSON.stringify(workbench)}`;
        assert.ok(workbench.background && workbench.foreground && workbench.link, `the workbench defines the theme's colours (${where})`);
        assert.equal(rgba(panel.background), rgba(workbench.background), `panel background = --vscode-editor-background (${where})`);
        assert.equal(rgba(panel.foreground), rgba(workbench.foreground), `panel text = --vscode-foreground (${where})`);
        assert.equal(rgba(panel.link), rgba(workbench.link), `a link = --vscode-textLink-foreground (${where})`);
        // High contrast: sections get the theme's contrast border (main.css).
        if (theme === 'Default High Contrast') {
          assert.ok(workbench.contrastBorder, where);
          assert.equal(panel.sectionBorderWidth, '1px', where);
          assert.equal(rgba(panel.sectionBorder), rgba(workbench.contrastBorder), `section border = --vscode-contrastBorder (${where})`);
        }
        seen[theme] = { background: rgba(panel.background), foreground: rgba(panel.foreground) };
        if (!file) return;
        // Fonts loaded and one frame painted, so the picture shows the panel as a person sees it.
        await frame.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(r))));
        await screenshot(page, file);
      });
    }
  } finally {
    fs.writeFileSync(settingsFile, original);
  }
  // A panel stuck in one theme would pass the checks above only if the themes were alike.
  const [dark, light, contrast] = ['Default Dark Modern', 'Default Light Modern', 'Default High Contrast'].map((th) => seen[th]);
  assert.notEqual(light.background, dark.background);
  assert.notEqual(light.foreground, dark.foreground);
  assert.notEqual(contrast.background, light.background);
});

/**
 * Every control of the panel a person can operate (shown, not disabled) in document order, named
 * by tag and label; and which of them has the keyboard focus (-1: another element, null: focus is
 * not in the panel). Sections are vscode-collapsible: their header takes the focus in its shadow root.
 */
function panelControls(frame: Frame): Promise<{ names: string[]; focused: number | null }> {
  return frame.evaluate(() => {
    const controls = Array.from(document.querySelectorAll<Element>('button, a[href], [role="button"], vscode-button, vscode-collapsible')).filter(
      (e) => e.getClientRects().length > 0 && !e.hasAttribute('disabled'),
    );
    const active = document.activeElement;
    const names = controls.map((e) => `${e.tagName.toLowerCase()} "${e.getAttribute('aria-label') ?? e.getAttribute('heading') ?? e.textContent?.trim()}"`);
    return { names, focused: !active || active === document.body ? null : controls.indexOf(active) };
  });
}

test('keyboard: Tab reaches every link and button of the panel in reading order, Enter on a backend link reveals its task', { timeout: 240_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('keyboard', async (page) => {
    const frame = await demoTrace(page);
    const { names } = await panelControls(frame);
    assert.ok(names.length > 10, names.join('\n'));
    // From the heading (a click there gives the panel the keyboard without focusing a control),
    // Tab until the focus leaves the panel; the workbench may drop the first key while it settles.
    const heading = frame.locator('h1');
    const startAtHeading = () =>
      retryGesture(
        'Tab from the panel heading',
        async () => {
          await heading.click({ timeout: 5000 });
          await page.keyboard.press('Tab');
        },
        (ms) => waitUntil('a control focused', async () => ((await panelControls(frame)).focused ?? -1) >= 0, ms),
      );
    await startAtHeading();
    const order: number[] = [];
    for (let focused = (await panelControls(frame)).focused; focused !== null && order.length <= names.length * 2; focused = (await panelControls(frame)).focused) {
      if (focused >= 0) order.push(focused);
      await page.keyboard.press('Tab');
    }
    const reached = order.map((i) => names[i]);
    assert.deepEqual(
      names.filter((_, i) => !order.includes(i)),
      [],
      `every control is reached by Tab; the order was:\n${reached.join('\n')}`,
    );
    assert.deepEqual(order, names.map((_, i) => i), `Tab follows the reading order:\n${reached.join('\n')}`);
    t.diagnostic(`Tab reached all ${names.length} controls: ${[...new Set(names.map((n) => n.split(' ')[0]))].join(', ')}`);

    // Enter on the last backend link (a task in the IPVS pool) selects that task in the Swarm view.
    const target = names.map((n, i) => [n, i] as const).filter(([n]) => /^button "Reveal task vote\.\d+ /.test(n)).pop();
    assert.ok(target, `a backend link among:\n${names.join('\n')}`);
    const task = /Reveal task (vote\.\d+) /.exec(target[0])![1];
    await startAtHeading();
    for (let presses = 0; (await panelControls(frame)).focused !== target[1]; presses++) {
      assert.ok(presses < names.length, `Tab reached ${target[0]}`);
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.waitForFunction((task) => document.querySelector('.monaco-list-row.selected')?.getAttribute('aria-label')?.startsWith(`${task} `), task, { timeout: 30_000 });
  });
});

test('markup in cluster data shows as text in the panel and runs nothing', { timeout: 180_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage('xss', async (page) => {
    await palette(page, 'Swarm: Open Snapshot...');
    const file = path.join(workspace, 'xss-snapshot.json');
    await acceptFileDialog(page, 'Open Swarm Lens Snapshot', file, file);
    await treeRow(page, XSS).waitFor({ state: 'visible', timeout: 30_000 });
    await contextMenu(page, XSS, 'Trace Load Balancing', sourcePick(page, XSS));
    await pick(page, 'client.');
    const frame = await panelFrame(page, XSS);
    assert.equal(await frame.locator('img[src="x"]').count(), 0, 'no element was created from the markup');
    // Nothing carries an inline handler that could run later (the dialog listener catches what ran).
    const handlers = await frame.evaluate(() => Array.from(document.querySelectorAll('*')).flatMap((e) => Array.from(e.attributes).filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName} ${a.name}`)));
    assert.deepEqual(handlers, []);
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
    await acceptFileDialog(page, 'Save Snapshot', path.basename(file));
    await waitUntil(`${file} written`, () => fs.existsSync(file), 60_000);
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
