// Trace flows inside the real extension host, against the real swarm and the shipped demo.
// The panel's contents are checked in the browser (test/e2e/panel.test.ts); here: the commands,
// the panel's tab, snapshot mode, and the hover's trusted links.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
    const client = cluster.state.tasks.find((t) => t.serviceName === 'client')!;
    await vscode.commands.executeCommand('swarmLens.inspectNetns', api.servicesTree.find(client.id));
    await until('the namespace tab', () => webviewTab(/client\.1/));
  });

  test('the demo snapshot: views say so, traces and hovers answer from it, then back to live', async () => {
    await vscode.commands.executeCommand('swarmLens.openDemo');
    // What the views must show, read straight from the shipped file (a collect of the lab).
    const file = path.join(vscode.extensions.getExtension('swarm-lens.swarm-lens')!.extensionPath, 'media', 'demo-snapshot.json');
    const demo = JSON.parse(fs.readFileSync(file, 'utf8')) as { takenAt: string; raw: { networks: { Id: string; Name: string }[]; verboseNetworks: Record<string, { Services: Record<string, { VIP: string; LocalLBIndex: number }> }> } };
    const overlay = demo.raw.networks.find((n) => n.Name === 'overlay1')!.Id;
    const { VIP, LocalLBIndex } = demo.raw.verboseNetworks[overlay].Services.vote;
    const vipAddress = VIP.split('/')[0];
    assert.equal(api.model.offline?.cluster, 'swarm-lens-lab');
    assert.match(String(api.servicesView.description), new RegExp(`^snapshot of swarm-lens-lab taken ${demo.takenAt.slice(0, 10)}`));
    const vote = api.servicesTree.find(api.model.cluster!.service('vote')!.id)!;
    assert.match(String(api.servicesTree.getTreeItem(vote).description), /^vip · 3\/3/);
    const vip = api.servicesTree.getChildren(vote).find((c) => c.type === 'vip')!;
    assert.equal(api.servicesTree.getTreeItem(vip).label, vipAddress);
    assert.match(String(api.servicesTree.getTreeItem(vip).description), new RegExp(`mark 0x${LocalLBIndex.toString(16)} \\(${LocalLBIndex}\\)`));

    const doc = await vscode.workspace.openTextDocument({ content: `dial tcp ${vipAddress}:80: i/o timeout\n` });
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, 12));
    const md = hovers.flatMap((h) => h.contents).find((c): c is vscode.MarkdownString => c instanceof vscode.MarkdownString && c.value.includes('VIP of service'))!;
    assert.match(md.value, /\[Trace Load Balancing\]\(command:swarmLens\.traceService\?/);
    assert.deepEqual(md.isTrusted, { enabledCommands: ['swarmLens.traceService', 'swarmLens.revealIp'] });

    const client = api.model.cluster!.state.tasks.find((t) => t.serviceName === 'client' && t.nodeName === 'node1')!;
    await vscode.commands.executeCommand('swarmLens.traceService', 'vote', client.name);
    await until('the demo trace tab', () => webviewTab(/^Trace: vote/));

    await vscode.commands.executeCommand('swarmLens.useLive');
    assert.equal(api.model.offline, undefined);
    assert.equal(api.servicesView.description, undefined);
    assert.equal(api.model.state.kind, 'ready');
    assert.notEqual(api.model.cluster!.state.engine.nodeName, 'node1');
  });
});
