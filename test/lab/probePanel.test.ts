// Probe Load Distribution in a real browser on the live lab, as a person uses it: from the
// palette (service, source, count, port, then a modal that says what will be sent), and again
// from the trace panel's own form. The histogram must show vote's three tasks on three nodes with
// the counts IPVS gave them. Its screenshot (test-artifacts/lab/probe-panel.png) is the README's.
import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { screenshot } from '../e2e/codeServer';
import type { VsCodeUnderTest } from '../e2e/vscodeUnderTest';
import { palette, panelFrame, pick, treeRow, waitUntil, withPage } from '../e2e/workbench';
import { startVsCodeOnLab } from './lab';

let vscode: VsCodeUnderTest;
let workspace = '';

before(async () => {
  ({ vscode, workspace } = await startVsCodeOnLab(false, () => undefined));
});

after(() => vscode.dispose());

/** Types into the open input box titled `title` and accepts it. */
async function answer(page: Page, title: string, value: string): Promise<void> {
  await page.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 60_000 });
  const input = page.locator('.quick-input-widget input').first();
  await input.fill(value);
  await input.press('Enter');
}

/** The histogram rows as [task, node, count]. */
async function histogram(frame: Frame, sent: number): Promise<{ task: string; count: number }[]> {
  await frame.locator('.hist-head', { hasText: `${sent} sent` }).waitFor({ state: 'visible', timeout: 600_000 });
  return frame.locator('.hist-row').evaluateAll((rows) =>
    rows.map((r) => ({ task: (r as HTMLElement).dataset.task ?? '', count: Number(r.querySelector('.hist-count strong')?.textContent) })),
  );
}

function assertSpread(rows: { task: string; count: number }[], sent: number): void {
  assert.equal(rows.length, 3, JSON.stringify(rows));
  assert.equal(rows.reduce((n, r) => n + r.count, 0), sent, 'the bars sum to what connected');
  for (const r of rows) {
    assert.match(r.task, /^vote\.\d$/);
    assert.ok(r.count / sent >= 0.2 && r.count / sent <= 0.47, `${r.task}: ${r.count} of ${sent}`);
  }
}

test('Probe Load Distribution from the palette, then from the panel\'s form: a histogram of vote\'s three tasks', { timeout: 25 * 60_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  await withPage(vscode, workspace, 'lab-probe', async (page) => {
    await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 180_000 });
    await palette(page, 'Swarm: Probe Load Distribution...');
    await pick(page, /^vote/);
    await page.locator('.quick-input-title', { hasText: 'Probe vote from' }).waitFor({ state: 'visible', timeout: 60_000 });
    await pick(page, 'client.');
    await answer(page, 'Probe vote: how many connections', '90');
    // vote declares no port: the box is empty and says so.
    await answer(page, 'Probe vote: the port its tasks listen on', '80');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await dialog.innerText({ timeout: 30_000 }), /Send 90 TCP connections from client\.\S+ to vote's VIP on port 80\?/);
    await dialog.locator('.monaco-button', { hasText: 'Send' }).first().click({ timeout: 30_000 });
    await page.locator('.notification-toast', { hasText: 'Probing vote' }).waitFor({ state: 'visible', timeout: 60_000 });

    // (The section's heading is an attribute of its collapsible; the histogram's head is text.)
    const frame = await panelFrame(page, '90 sent from client.', 300_000);
    assertSpread(await histogram(frame, 90), 90);
    const nodes = await frame.locator('.hist-name').allInnerTexts();
    for (const node of ['node1', 'node2', 'node3']) assert.ok(nodes.some((n) => n.includes(` on ${node}`)), `a task on ${node}: ${nodes.join(' | ')}`);
    assert.match(await frame.locator('#section-traffic').innerText(), /The connections spread as the scheduler should spread them/);
    await frame.locator('#section-traffic').scrollIntoViewIfNeeded();
    await frame.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(r))));
    await screenshot(page, 'lab/probe-panel.png');

    // The panel's own form: it says what it will send before anything is sent.
    await frame.locator('#probe-count').fill('30');
    await waitUntil('the sentence to say 30', async () => /^Sends 30 TCP connections from client\.\S+ to vote's VIP 10\.\d+\.\d+\.\d+ on port 80/.test(await frame.locator('#probe-sentence').innerText()));
    await frame.locator('#probe-start').click();
    assertSpread(await histogram(frame, 30), 30);
  });
});
