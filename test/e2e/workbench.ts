// A person's gestures in the Swarm Lens workbench (code-server in chromium), shared by the
// browser suites: open the Swarm views, the palette, quick picks, tree context menus, file
// dialogs, and the trace panel's webview frame. Each waits for its effect and repeats a gesture
// the workbench dropped, so the suites pass on a busy machine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { ARTIFACTS_DIR, closeWorkbench, consoleLogOf, openViewContainer, openWorkbench, quickPick, retryGesture, screenshot, waitUntil } from './codeServer';
import type { VsCodeUnderTest } from './vscodeUnderTest';

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
