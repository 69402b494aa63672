// Trace flows inside the real extension host, against the real swarm and the shipped demo.
// The panel's contents are checked in the browser (test/e2e/panel.test.ts); here: the commands,
// the panel's tab, snapshot mode, and the hover's trusted links.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SwarmLensApi } from '../../src/extension';
import { until } from './until';

const webviewTab = (label: RegExp) =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && label.test(t.label));

suite('Trace commands', () => {
  let api: SwarmLensApi;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<SwarmLensApi>('swarm-lens.swarm-lens')!.activate();
    await api.model.refresh();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Trace Load Balancing on vote from client opens its panel', async () => {
    await vscode.commands.executeCommand('swarmLens.traceService', 'vote', 'client.1');
    const tab = await until('the trace tab', () => webviewTab(/^Trace: vote/));
    assert.ok(tab.isActive);
  });

  test('Trace Routing Mesh and Inspect Container Network Namespace open their panels', async () => {
    const cluster = api.model.cluster!;
    const web = cluster.service('voteweb')!;
    const element = api.servicesTree.find(web.id)!;
    await vscode.commands.executeCommand('swarmLens.traceMesh', element);
    await until('the mesh tab', () => webviewTab(/8080/));
    const client = cluster.snapshot.tasks.find((t) => t.serviceName === 'client')!;
    await vscode.commands.executeCommand('swarmLens.inspectNetns', api.servicesTree.find(client.id));
    await until('the namespace tab', () => webviewTab(/client\.1/));
  });

  test('the demo snapshot: views say so, traces and hovers answer from it, then back to live', async () => {
    await vscode.commands.executeCommand('swarmLens.openDemo');
    assert.equal(api.model.snapshot?.cluster, 'seed-demo');
    assert.match(String(api.servicesView.description), /^snapshot of seed-demo taken 2018-06-12/);
    const vote = api.servicesTree.find(api.model.cluster!.service('vote')!.id)!;
    assert.match(String(api.servicesTree.getTreeItem(vote).description), /^vip · 2\/2/);
    const vip = api.servicesTree.getChildren(vote).find((c) => c.type === 'vip')!;
    assert.equal(api.servicesTree.getTreeItem(vip).label, '10.0.0.9');
    assert.match(String(api.servicesTree.getTreeItem(vip).description), /mark 0x103 \(259\)/);

    const doc = await vscode.workspace.openTextDocument({ content: 'dial tcp 10.0.0.9:80: i/o timeout\n' });
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, 12));
    const md = hovers.flatMap((h) => h.contents).find((c): c is vscode.MarkdownString => c instanceof vscode.MarkdownString && c.value.includes('VIP of service'))!;
    assert.match(md.value, /\[Trace Load Balancing\]\(command:swarmLens\.traceService\?/);
    assert.deepEqual(md.isTrusted, { enabledCommands: ['swarmLens.traceService', 'swarmLens.revealIp'] });

    await vscode.commands.executeCommand('swarmLens.traceService', 'vote', 'client.1');
    await until('the demo trace tab', () => webviewTab(/^Trace: vote/));

    await vscode.commands.executeCommand('swarmLens.useLive');
    assert.equal(api.model.snapshot, undefined);
    assert.equal(api.servicesView.description, undefined);
    assert.equal(api.model.state.kind, 'ready');
    assert.notEqual(api.model.cluster!.snapshot.engine.nodeName, 'node1');
  });
});
