// The workbench in the browser for the VS Code suites: open it on a folder (with extensions under
// development) and close it; a person's gestures that hold on a busy machine; and those of the
// Swarm Lens workbench, shared by the browser suites: open the Swarm views, the palette, quick
// picks, tree context menus, file dialogs, and the trace panel's webview frame. Each waits for its
// effect and repeats a gesture the workbench dropped, so the suites pass on a busy machine.
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { consoleCollector, launchBrowser, screenshot } from './browser';
import { remoteUri, workbenchUrl, type CodeServer } from './codeServer';
import { ARTIFACTS_DIR } from './environment';
import { sleep } from './processes';
import type { VsCodeUnderTest } from './vscodeUnderTest';

export interface WorkbenchOptions {
  /** reuse a browser; default: launch one (closed by closeWorkbench or page.context().browser().close()) */
  browser?: Browser;
  /** extension folders to load as development extensions (payload extensionDevelopmentPath) */
  extensionDevelopmentPaths?: string[];
  viewport?: { width: number; height: number };
  /** wait for the workbench to render, default 60 s */
  timeoutMs?: number;
}

const ownedBrowserOfPage = new WeakMap<Page, Browser>();

/**
 * Opens `folder` in the workbench and waits until the workbench (activity bar) is rendered.
 * The page's console is collected in `consoleLogOf(page)`.
 */
export async function openWorkbench(server: CodeServer, folder: string, opts: WorkbenchOptions = {}): Promise<Page> {
  const browser = opts.browser ?? (await launchBrowser());
  try {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    const collector = consoleCollector();
    consoleLogs.set(page, collector.lines);
    collector.attach(page);
    const payload: [string, string][] = (opts.extensionDevelopmentPaths ?? []).map((p) => [
      'extensionDevelopmentPath',
      remoteUri(server, p),
    ]);
    const timeout = opts.timeoutMs ?? 60_000;
    await page.goto(workbenchUrl(server, folder, payload), { waitUntil: 'domcontentloaded', timeout });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
    if (!opts.browser) ownedBrowserOfPage.set(page, browser);
    return page;
  } catch (err) {
    if (!opts.browser) await browser.close().catch(() => undefined);
    throw err;
  }
}

const consoleLogs = new WeakMap<Page, string[]>();

/** Console lines collected for a page opened by openWorkbench. */
export function consoleLogOf(page: Page): string[] {
  return consoleLogs.get(page) ?? [];
}

/** Closes the page's context and, if openWorkbench launched it, its browser. */
export async function closeWorkbench(page: Page): Promise<void> {
  await page.context().close().catch(() => undefined);
  const owned = ownedBrowserOfPage.get(page);
  if (owned) await owned.close().catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Gestures that hold on a busy machine

/**
 * Repeats `act` until `effect` holds. A workbench still starting, or on a busy machine, drops
 * key presses, clicks and hovers without a trace (a menu ignores clicks until its listeners are
 * in, a hover is cancelled by a re-render). Each attempt waits longer for the effect (2, 4, 8, ...
 * s), so a gesture that merely runs slowly is not repeated needlessly. `act` may throw (an element
 * replaced meanwhile): that attempt counts as one without effect.
 */
export async function retryGesture(what: string, act: () => Promise<unknown>, effect: (timeoutMs: number) => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let attempt = 1, wait = 2000; ; attempt++, wait *= 2) {
    await act().catch((err: unknown) => (last = err));
    try {
      await effect(Math.max(1, Math.min(wait, deadline - Date.now())));
      return;
    } catch (err) {
      last ??= err;
    }
    if (Date.now() >= deadline) throw new Error(`${what}: no effect after ${attempt} attempts in ${timeoutMs} ms (${(last as Error)?.message?.split('\n')[0] ?? last})`);
    last = undefined;
  }
}

/**
 * Opens the quick input with `key` (F1, Control+P), types `value` and clicks the row labelled
 * `label`. Opened afresh while the row is missing: the list is made when it opens, and a
 * workbench still starting drops the key or has not yet got an extension's commands.
 */
export async function quickPick(page: Page, key: string, value: string, label: string | RegExp): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await retryGesture(
    `"${value}" lists ${label}`,
    async () => {
      if (await input.isVisible()) await page.keyboard.press('Escape');
      await page.keyboard.press(key);
      await input.fill(value, { timeout: 2000 });
    },
    (t) => row.waitFor({ state: 'visible', timeout: t }),
  );
  // Click the row itself: Enter would take whichever row is active while the list still filters.
  await row.click();
}

/** Hovers `text` inside the editor `line` until `hover` shows. */
export async function hoverText(page: Page, line: Locator, text: string, hover: Locator): Promise<void> {
  await retryGesture(
    `hover over ${text}`,
    async () => {
      await page.mouse.move(0, 0); // away first, so the next move starts a new hover
      const box = await line.boundingBox({ timeout: 5000 });
      if (!box) throw new Error('the line is not laid out');
      const content = await line.innerText({ timeout: 5000 });
      await page.mouse.move(box.x + ((content.indexOf(text) + 3) * box.width) / content.length, box.y + box.height / 2, { steps: 3 });
    },
    (t) => hover.waitFor({ state: 'visible', timeout: t }),
  );
}

/** Polls `probe` (every 250 ms) until it returns a truthy value, which it returns; fails after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** Shows the view container whose activity bar entry is labelled `label...` (a click on an open one would close it). */
export async function openViewContainer(page: Page, label: string): Promise<void> {
  const item = page.locator('.activitybar .action-item', { has: page.locator(`a[aria-label^="${label}"]`) }).first();
  await retryGesture(
    `open the ${label} view container`,
    async () => {
      if (!(await item.getAttribute('class', { timeout: 5000 }))?.includes('checked')) await item.click({ timeout: 5000 });
    },
    (t) => page.locator('.activitybar .action-item.checked', { has: page.locator(`a[aria-label^="${label}"]`) }).waitFor({ state: 'visible', timeout: t }),
  );
}

// ---------------------------------------------------------------------------------------------
// Swarm Lens

/** A workbench on `workspace` with the Swarm views open; any browser dialog fails the test. */
export async function openSwarm(vscode: VsCodeUnderTest, workspace: string): Promise<Page> {
  const page = await openWorkbench(vscode.server!, workspace, { browser: vscode.browser, extensionDevelopmentPaths: [vscode.extensionDir], viewport: { width: 1400, height: 900 } });
  page.on('dialog', (d) => {
    void d.dismiss();
    throw new Error(`a dialog opened: ${d.message()}`);
  });
  await openViewContainer(page, 'Swarm');
  return page;
}

export const palette = (page: Page, command: string) => quickPick(page, 'F1', `>${command}`, command);

/** Picks a quick-pick row by its label (the quick pick must be open). */
export async function pick(page: Page, label: string | RegExp): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

/** The quick pick asking where to trace `service` from. */
export const sourcePick = (page: Page, service: string) => page.locator('.quick-input-title', { hasText: `Trace ${service} from` });

/**
 * Right-clicks a tree row and chooses a context menu entry, until `next` (what the entry opens)
 * shows. Again when the menu ignored the click (its mouse-up listener comes a moment after it
 * opens), or when a refresh moved the rows meanwhile: the command then got no element or
 * another row's, and the quick pick it opened is dismissed first.
 */
export async function contextMenu(page: Page, row: string, entry: string, next: Locator): Promise<void> {
  const item = page.locator('.context-view .action-item', { hasText: entry }).first();
  await retryGesture(
    `${entry} on ${row}`,
    async () => {
      if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Escape');
      if (!(await item.isVisible())) await treeRow(page, row).click({ button: 'right', timeout: 5000 });
      await item.click({ timeout: 5000 });
    },
    (t) => next.waitFor({ state: 'visible', timeout: t }),
  );
}

/**
 * Accepts the simple file dialog titled `title` once its path ends with `suffix`, typing `typed`
 * first if given. The dialog sets its own folder a moment after it shows (over what was typed)
 * and defers an Enter while it reads a folder; an Enter that came before it had the keyboard is
 * lost. So: type again while the path is not ours, and Enter again while it stays open.
 */
export async function acceptFileDialog(page: Page, title: string, suffix: string, typed?: string): Promise<void> {
  const dialog = page.locator('.quick-input-widget', { has: page.locator('.quick-input-title', { hasText: title }) });
  const input = dialog.locator('input').first();
  await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  await retryGesture(
    `${title} accepts ${suffix}`,
    async () => {
      if (!(await dialog.isVisible())) return;
      if (typed && !(await input.inputValue()).endsWith(suffix)) await input.fill(typed, { timeout: 5000 });
      await waitUntil(`the path ending with ${suffix}`, async () => (await input.inputValue()).endsWith(suffix), 10_000);
      await input.press('Enter', { timeout: 5000 });
    },
    (t) => dialog.waitFor({ state: 'hidden', timeout: t }),
  );
}

export const treeRow = (page: Page, name: string) => page.getByRole('treeitem', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `) }).first();

/** The webview frame whose text contains `text` (webviews are nested iframes). */
export function panelFrame(page: Page, text: string, timeoutMs = 30_000): Promise<Frame> {
  return waitUntil(
    `a panel showing "${text}"`,
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame()) continue;
        // textContent: innerText follows CSS (upper-cased headings) and would not match.
        const body = await frame.evaluate(() => document.body?.textContent ?? '').catch(() => '');
        if (body.includes(text)) return frame;
      }
      return undefined;
    },
    timeoutMs,
  );
}

/** Opens the workbench, runs `body`, keeps a screenshot of the moment it failed. */
export async function withPage(vscode: VsCodeUnderTest, workspace: string, name: string, body: (page: Page) => Promise<void>): Promise<void> {
  const page = await openSwarm(vscode, workspace);
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
