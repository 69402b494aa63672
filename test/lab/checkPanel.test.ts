// Check Load Balancing in a real browser on the live lab, with a real fault: one backend deleted
// from vote's pool on node2 only. From the palette, the panel's matrix shows node2 × vote as an
// error and every other cell ok, the finding names the task, and its link traces vote on node2.
// The screenshot is the README's picture of the check (docs/check-panel.png).
import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { screenshot } from '../e2e/codeServer';
import type { VsCodeUnderTest } from '../e2e/vscodeUnderTest';
import { palette, panelFrame, treeRow, withPage } from '../e2e/workbench';
import { eventually, inSandbox, startVsCodeOnLab, overlayFacts, reachingContext, type Lab } from './lab';
import { checkLoadBalancing } from '../../src/core/check/run';

let vscode: VsCodeUnderTest;
let lab: Lab | undefined;
let workspace = '';

before(async () => {
  ({ vscode, workspace } = await startVsCodeOnLab(true, (up) => (lab = up)));
});

after(() => vscode.dispose());

test('palette Check Load Balancing with a backend missing on node2: the matrix shows it there only, the finding links to a trace on node2', { timeout: 20 * 60_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  const { lb, vote } = overlayFacts(lab!, 2);
  const victim = vote.Tasks[0];
  const mark = String(vote.LocalLBIndex);
  inSandbox(lab!, 2, lb, 'ipvsadm', '-d', '-f', mark, '-r', victim.EndpointIP);
  try {
    await withPage(vscode, workspace, 'lab-check-panel', async (page) => {
      await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 180_000 });
      // The Nodes view says how each node's own engine is reached.
      await page.getByRole('button', { name: 'Nodes Section' }).click();
      for (const n of [2, 3]) await page.getByRole('treeitem', { name: new RegExp(`^node${n} manager · via lab-node${n} · `) }).waitFor({ state: 'visible', timeout: 120_000 });
      await page.getByRole('treeitem', { name: /^node1 manager \(leader\) · connected · / }).waitFor({ state: 'visible', timeout: 30_000 });
      await screenshot(page, 'lab/nodes-view.png');
      await palette(page, 'Swarm: Check Load Balancing');
      const frame = await panelFrame(page, 'backend-missing', 600_000);
      const cells = await frame.locator('table.matrix tbody tr').evaluateAll((rows) =>
        rows.map((r) => [r.querySelector('th')?.textContent ?? '', ...Array.from(r.querySelectorAll('td')).slice(0, -1).map((c) => c.textContent?.trim() ?? '')]),
      );
      const services = await frame.locator('table.matrix thead th').allTextContents();
      const voteColumn = services.indexOf('vote');
      assert.ok(voteColumn > 0, services.join(','));
      for (const [node, ...states] of cells) {
        for (const [i, state] of states.entries()) {
          const want = node === 'node2' && i + 1 === voteColumn ? 'error' : 'ok';
          assert.equal(state, want, `${node} × ${services[i + 1]}`);
        }
      }
      assert.deepEqual(cells.map((c) => c[0]).sort(), ['node1', 'node2', 'node3']);
      const text = await frame.locator('body').innerText();
      assert.ok(text.includes(`${victim.EndpointIP}, on `) && text.includes(`not in vote's pool FWM ${mark}`), 'the finding names the address and the pool');
      assert.match(text, /docker context lab-node2/);
      await frame.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(r))));
      await screenshot(page, 'lab/check-panel.png');
      // The cell is a button that brings its finding into view; the finding's link traces vote on node2.
      await frame.getByRole('button', { name: /^vote on node2: error/ }).click();
      await frame.getByRole('button', { name: 'Trace load balancing of vote from a task on node2' }).click();
      const trace = await panelFrame(page, 'tasks.vote', 300_000);
      await eventually('the trace panel of vote on node2', 60_000, async () => {
        const body = await trace.locator('body').innerText();
        return /on node2/.test(body) ? true : body.slice(0, 200);
      });
    });
  } finally {
    inSandbox(lab!, 2, lb, 'ipvsadm', '-a', '-f', mark, '-r', victim.EndpointIP, '-m', '-w', '1');
    const report = await checkLoadBalancing(await reachingContext(lab!, 1));
    assert.deepEqual(report.findings.map((f) => `${f.node} ${f.code}`), [], 'the lab checks clean again');
  }
});
