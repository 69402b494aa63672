// Composition root: build the parts and wire them; nothing here talks to Docker. The first read
// happens when a Swarm view becomes visible or a command needs the cluster.
import * as vscode from 'vscode';
import { AutoRefresh } from './vscode/autoRefresh';
import { withAbort } from './vscode/cancellation';
import { ClusterModel } from './vscode/clusterModel';
import { registerCommands } from './vscode/commands';
import { IpHoverProvider } from './vscode/hover';
import { INSPECT_SCHEME, InspectDocuments } from './vscode/inspectDocuments';
import { createLog } from './vscode/log';
import { NodesTreeProvider } from './vscode/nodesTree';
import { NetworksTreeProvider } from './vscode/networksTree';
import { ServicesTreeProvider } from './vscode/servicesTree';
import { SwarmStatusBar } from './vscode/statusBar';
import { TracePanels, type TracePanelHandlers } from './vscode/tracePanel';
import { openBundleFile, registerTraceCommands, runTrace, TraceRequest } from './vscode/traceCommands';
import { probePanelHandlers, registerProbeCommands } from './vscode/probeCommands';
import { registerCheckCommands } from './vscode/checkCommands';
import type { Trace } from './core/trace/types';
import { sourceCandidates } from './core/trace/run';

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
    const model = register(new ClusterModel(log, context.workspaceState));
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
        const offline = model.offline;
        servicesView.description = offline ? `snapshot of ${offline.cluster} taken ${offline.takenAt.replace('T', ' ').slice(0, 16)}` : undefined;
      }),
    );
    register(new SwarmStatusBar(model));
    const autoRefresh = register(new AutoRefresh(model, log, views));
    const inspect = new InspectDocuments(model);
    register(vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspect));
    register(vscode.languages.registerHoverProvider({ scheme: '*' }, new IpHoverProvider(model)));
    const commands = registerCommands({ model, log, servicesTree, servicesView, inspect });
    for (const d of commands.disposables) register(d);

    // The trace panel: its links reveal in the tree and open inspect documents; Refresh reruns it.
    const panelHandlers: TracePanelHandlers = {
      refresh: (current, token) => withAbort([token], async (signal) => (await runTrace(model, requestOf(current), signal)) ?? current),
      reveal: async (kind, id) => {
        const cluster = model.cluster;
        const target = kind === 'task' ? id : (cluster?.service(id)?.id ?? id);
        const element = servicesTree.find(target);
        if (!element) return;
        await vscode.commands.executeCommand('swarmLens.services.focus');
        await servicesView.reveal(element, { select: true, focus: true, expand: true });
      },
      openContainer: (containerId) => inspect.open('container', containerId, containerId.slice(0, 12)),
      saveSnapshot: () => vscode.commands.executeCommand('swarmLens.saveSnapshot'),
      ...probePanelHandlers(model),
    };
    const tracePanels = register(new TracePanels(context.extensionUri, panelHandlers));
    const show = (trace: Trace) => tracePanels.show(trace);
    for (const d of registerTraceCommands({ model, extensionUri: context.extensionUri, show }, commands.register)) register(d);
    for (const d of registerCheckCommands({ model, context }, commands.register)) register(d);
    for (const d of registerProbeCommands(model, log, show, commands.register)) register(d);

    // A bundle open before a window reload is opened again; `npm start` without a reachable
    // swarm opens the demo, so a first look shows a full trace.
    const remembered = model.rememberedBundle;
    if (remembered) {
      void openBundleFile(model, remembered.file, remembered.label).catch((err) => {
        log.warn(`the snapshot open before the reload is gone: ${err}`);
        void model.useLive();
      });
    } else if (process.env.SWARM_LENS_DEMO === '1') {
      void openBundleFile(model, vscode.Uri.joinPath(context.extensionUri, 'media', 'demo-snapshot.json').fsPath, 'the demo snapshot')
        // From the default source: a client's view, as the quick pick would preselect it.
        .then(async () => vscode.commands.executeCommand('swarmLens.traceService', 'vote', sourceCandidates(await model.traceContext(), 'vote')[0]?.containerId))
        .catch((err) => log.error(`demo: ${err}`));
    }
    register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('swarmLens.nodes') && model.cluster && !model.offline) void model.nodeReach(model.cluster).catch(() => undefined);
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

/** The request that produced a trace, to run it again. */
function requestOf(trace: Trace): TraceRequest {
  // A mesh read on several nodes (`node1, node2`) is read on every reachable node again.
  if (trace.kind === 'mesh' && trace.port) return { kind: 'mesh', port: trace.port.port, protocol: trace.port.protocol, node: trace.node.includes(',') ? undefined : trace.node };
  if (trace.kind === 'service' && trace.service) return { kind: 'service', service: trace.service.name, from: trace.source?.containerId };
  return { kind: 'container', container: trace.source?.containerId ?? '' };
}

export function deactivate(): void {}
