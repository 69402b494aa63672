// The trace panel on the live lab, in a real browser, as a person uses it: right-click vote, Trace
// Load Balancing, the default source (the client task on node1): the panel shows the mark that
// equals node1's LocalLBIndex and the IPVS pool's three backends on three nodes. Screenshots in
// the three themes, from this real IPVS trace, are what the README shows (docs/).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { screenshot } from '../e2e/codeServer';
import type { VsCodeUnderTest } from '../e2e/vscodeUnderTest';
import { contextMenu, panelFrame, pick, sourcePick, treeRow, withPage } from '../e2e/workbench';
import { docker, startVsCodeOnLab, type Lab } from './lab';

let vscode: VsCodeUnderTest;
let lab: Lab | undefined;
let workspace = '';

before(async () => {
  ({ vscode, workspace } = await startVsCodeOnLab(false, (up) => (lab = up)));
});

after(() => vscode.dispose());

test('right-click vote on the lab: the mark = LocalLBIndex and three backends on three nodes; screenshots in three themes', { timeout: 20 * 60_000 }, async (t) => {
  if (!vscode.ready(t)) return;
  const index = (JSON.parse(docker(lab!, 1, 'network', 'inspect', '--verbose', '--format', '{{json .Services}}', 'overlay1')) as Record<string, { LocalLBIndex: number }>).vote.LocalLBIndex;
  const settingsFile = path.join(vscode.server!.userDataDir, 'User', 'settings.json');
  const original = fs.readFileSync(settingsFile, 'utf8');
  try {
    for (const [theme, file] of [['Default Dark Modern', 'trace-panel-dark.png'], ['Default Light Modern', 'trace-panel-light.png'], ['Default High Contrast', 'trace-panel-high-contrast.png']]) {
      // A new window reads the theme at start, as after a user's choice.
      fs.writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(original), 'workbench.colorTheme': theme }));
      await withPage(vscode, workspace, `lab-${file}`, async (page) => {
        await treeRow(page, 'vote').waitFor({ state: 'visible', timeout: 180_000 });
        await contextMenu(page, 'vote', 'Trace Load Balancing', sourcePick(page, 'vote'));
        await pick(page, 'client.');
        const frame = await panelFrame(page, 'tasks.vote', 300_000);
        const text = await frame.locator('body').innerText();
        assert.ok(text.includes(`0x${index.toString(16)} = ${index}`), `the mark ${index} (LocalLBIndex on node1) in the panel`);
        assert.ok(text.includes(`FWM ${index}`), `the IPVS service FWM ${index}`);
        for (const node of ['node1', 'node2', 'node3']) assert.match(text, new RegExp(`vote\\.\\d · ${node} · running`), `a backend on ${node}`);
        assert.doesNotMatch(text, /IPVS is missing|could not be read/);
        // Fonts loaded and one frame painted, so the picture shows the panel as a person sees it.
        await frame.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(r))));
        await screenshot(page, `lab/${file}`);
      });
    }
  } finally {
    fs.writeFileSync(settingsFile, original);
  }
});
