// Composition root: build the parts and wire them; nothing here talks to Docker. The first read
// happens when a Swarm view becomes visible or a command needs the cluster.
import * as vscode from 'vscode';
import { AutoRefresh } from './vscode/autoRefresh';
import { ClusterModel } from './vscode/clusterModel';
import { registerCommands } from './vscode/commands';
import { IpHoverProvider } from './vscode/hover';
import { INSPECT_SCHEME, InspectDocuments } from './vscode/inspectDocuments';
import { createLog } from './vscode/log';
import { NodesTreeProvider } from './vscode/nodesTree';
import { NetworksTreeProvider } from './vscode/networksTree';
import { ServicesTreeProvider } from './vscode/servicesTree';
import { SwarmStatusBar } from './vscode/statusBar';

/** What activate() returns: used by the integration tests to look at the model and trees. */
export interface SwarmLensApi {
  model: ClusterModel;
  servicesTree: ServicesTreeProvider;
  nodesTree: NodesTreeProvider;
  networksTree: NetworksTreeProvider;
  servicesView: vscode.TreeView<unknown>;
}

export function activate(context: vscode.ExtensionContext): SwarmLensApi {
  const log = createLog();
  const register = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  try {
    register(log);
    const model = register(new ClusterModel(log));
    const servicesTree = register(new ServicesTreeProvider(model));
    const nodesTree = register(new NodesTreeProvider(model));
    const networksTree = register(new NetworksTreeProvider(model));
    const servicesView = register(vscode.window.createTreeView('swarmLens.services', { treeDataProvider: servicesTree, showCollapseAll: true }));
    const nodesView = register(vscode.window.createTreeView('swarmLens.nodes', { treeDataProvider: nodesTree }));
    const networksView = register(vscode.window.createTreeView('swarmLens.networks', { treeDataProvider: networksTree, showCollapseAll: true }));
    const views = [servicesView, nodesView, networksView] as vscode.TreeView<unknown>[];

    // The welcome view explains what is wrong; the view message repeats the exact sentence.
    register(
      model.onDidChange(() => {
        const state = model.state;
        servicesView.message = state.kind === 'error' ? state.error.message : undefined;
      }),
    );
    register(new SwarmStatusBar(model));
    const autoRefresh = register(new AutoRefresh(model, log, views));
    const inspect = new InspectDocuments(model);
    register(vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspect));
    register(vscode.languages.registerHoverProvider({ scheme: '*' }, new IpHoverProvider(model)));
    for (const d of registerCommands({ model, log, servicesTree, servicesView, inspect })) register(d);
    register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('swarmLens.docker') || e.affectsConfiguration('swarmLens.refresh')) {
          autoRefresh.restart();
          if (model.state.kind !== 'idle') void model.refresh();
        }
      }),
    );
    void vscode.commands.executeCommand('setContext', 'swarmLens.connection', 'idle');
    return { model, servicesTree, nodesTree, networksTree, servicesView };
  } catch (err) {
    // Activation errors are shown, not swallowed.
    log.error(`activation failed: ${(err as Error).stack ?? err}`);
    void vscode.window.showErrorMessage(`Swarm Lens could not start: ${(err as Error).message}. See the "Swarm Lens" output for details.`);
    throw err;
  }
}

export function deactivate(): void {}
