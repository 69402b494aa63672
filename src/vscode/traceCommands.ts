// Trace commands: Trace Load Balancing, Inspect Container Network Namespace, Trace Routing Mesh,
// Resolve Service Name, and the snapshot (bundle) commands. Each runs with a cancellable progress
// notification; cancelling aborts the probe, which removes its helper container.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { parseBundle } from '../core/bundle/bundle';
import { collectBundle } from '../core/bundle/collect';
import { taskSummary } from '../core/cluster/describe';
import { formatPort } from '../core/cluster/state';
import type { Service, Task } from '../core/cluster/types';
import { EngineError } from '../core/docker/errors';
import { howToReach, viaText } from '../core/nodes/reach';
import { readableNodes, resolveName, sourceCandidates, traceContainer, TraceContext, traceMesh, traceMeshEverywhere, traceService } from '../core/trace/run';
import type { Trace } from '../core/trace/types';
import { unlessCancelled, withAbort } from './cancellation';
import type { ClusterModel } from './clusterModel';
import type { Register } from './commands';
import type { ServicesElement } from './servicesTree';

export type TraceRequest =
  | { kind: 'service'; service: string; from?: string }
  | { kind: 'container'; container: string }
  /** `node`: one node's mesh; without it, every reachable node's side by side. */
  | { kind: 'mesh'; port: number; protocol: string; node?: string };

export interface TraceCommandDeps {
  model: ClusterModel;
  extensionUri: vscode.Uri;
  /** Opens (or refreshes) the trace panel. */
  show(trace: Trace): void;
}

/** Runs a trace with a cancellable notification; undefined when cancelled. */
export async function runTrace(model: ClusterModel, request: TraceRequest, signal?: AbortSignal): Promise<Trace | undefined> {
  const title = request.kind === 'service' ? `Tracing ${request.service}` : request.kind === 'mesh' ? `Tracing the routing mesh on ${request.port}/${request.protocol}` : `Reading the namespaces of ${request.container}`;
  // A live trace may take seconds (a helper container): a notification with Cancel. Offline, a bundle answers at once.
  const location = model.offline ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification;
  return vscode.window.withProgress({ location, title, cancellable: true }, (_progress, token) =>
    unlessCancelled([token, signal], async (abort) => traceFor(await model.traceContext(abort), request)),
  );
}

function traceFor(ctx: TraceContext, request: TraceRequest): Promise<Trace> {
  switch (request.kind) {
    case 'service':
      return traceService(ctx, request.service, request.from);
    case 'container':
      return traceContainer(ctx, request.container);
    case 'mesh':
      return request.node ? traceMesh(ctx, request.port, request.protocol, request.node) : traceMeshEverywhere(ctx, request.port, request.protocol);
  }
}


export function registerTraceCommands(deps: TraceCommandDeps, register: Register): vscode.Disposable[] {
  const { model } = deps;
  const traceAndShow = async (request: TraceRequest | undefined) => {
    if (!request) return;
    const trace = await runTrace(model, request);
    if (trace) deps.show(trace);
  };
  return [
    // (service element or name, source task or container): without a source, asks with the default preselected.
    register('swarmLens.traceService', async (target?: ServicesElement | string, from?: string) => {
      const service = await serviceFrom(model, target);
      if (!service) return;
      let source = from;
      if (source === undefined) {
        const picked = await pickSource(model, service);
        if (picked === null) return;
        source = picked?.containerId;
      }
      await traceAndShow({ kind: 'service', service: service.name, from: source });
    }),
    register('swarmLens.inspectNetns', async (target?: ServicesElement) => {
      const task = target?.type === 'task' ? target.task : await pickReadableContainer(model, 'Container whose network namespace to read');
      if (!task?.containerId) return;
      const ctx = await model.traceContext();
      if (!readableNodes(ctx).includes(task.nodeName)) {
        void vscode.window.showInformationMessage(ctx.nodes?.find((n) => n.hostname === task.nodeName)?.error ?? howToReach(task.nodeName));
        return;
      }
      await traceAndShow({ kind: 'container', container: task.containerId });
    }),
    register('swarmLens.traceMesh', async (target?: ServicesElement) => {
      const port = await pickPort(model, target?.type === 'service' ? target.service : undefined);
      if (!port) return;
      const node = await pickMeshNode(model, port.publishedPort!);
      if (node !== null) await traceAndShow({ kind: 'mesh', port: port.publishedPort!, protocol: port.protocol, node });
    }),
    register('swarmLens.resolveName', () => resolveNameCommand(model)),
    register('swarmLens.saveSnapshot', () => saveBundle(model)),
    register('swarmLens.openSnapshot', async () => {
      const picked = await vscode.window.showOpenDialog({ title: 'Open Swarm Lens Snapshot', filters: { 'Swarm Lens snapshot': ['json'] }, canSelectMany: false });
      if (picked?.[0]) await openBundleFile(model, picked[0].fsPath);
    }),
    register('swarmLens.openDemo', () => openBundleFile(model, vscode.Uri.joinPath(deps.extensionUri, 'media', 'demo-snapshot.json').fsPath, 'the demo snapshot')),
    register('swarmLens.useLive', () => model.useLive()),
  ];
}

export async function openBundleFile(model: ClusterModel, file: string, label?: string): Promise<void> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new EngineError('api', `Cannot read ${file}: ${(err as Error).message}.`, String(err));
  }
  const bundle = parseBundle(text);
  await model.openOffline(bundle, label ?? `snapshot ${file}`, file);
  await vscode.commands.executeCommand('swarmLens.services.focus');
}

/** Writes a bundle; a file system error is one sentence naming the file. */
function writeBundle(file: string, bundle: unknown): void {
  try {
    fs.writeFileSync(file, JSON.stringify(bundle, null, 1) + '\n');
  } catch (err) {
    throw new EngineError('api', `Cannot write ${file}: ${(err as Error).message}.`, String(err));
  }
}

async function saveBundle(model: ClusterModel): Promise<void> {
  if (model.offline) {
    const uri = await vscode.window.showSaveDialog({ title: 'Save Snapshot', filters: { 'Swarm Lens snapshot': ['json'] } });
    if (uri) writeBundle(uri.fsPath, model.offline.bundle);
    return;
  }
  // Next to the open folder (or the home folder), never the file system root.
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const defaultUri = vscode.Uri.joinPath(folder, `swarm-snapshot-${new Date().toISOString().slice(0, 10)}.json`);
  const uri = await vscode.window.showSaveDialog({ title: 'Save Snapshot', defaultUri, filters: { 'Swarm Lens snapshot': ['json'] } });
  if (!uri) return;
  const bundle = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Saving a snapshot of the swarm', cancellable: true }, (_p, token) =>
    withAbort([token], async (signal) => {
      const ctx = await model.traceContext(signal);
      return collectBundle(model.engine(), ctx.options, signal, ctx.nodes);
    }),
  );
  writeBundle(uri.fsPath, bundle);
  const sandboxes = bundle.nodes.reduce((n, d) => n + d.output.sandboxes.length, 0);
  void vscode.window.showInformationMessage(`Saved the cluster and ${sandboxes} sandboxes of ${bundle.nodes.map((n) => n.node).join(', ') || 'no node'} to ${uri.fsPath}.`);
}

export async function serviceFrom(model: ClusterModel, target?: ServicesElement | string, title = 'Trace Load Balancing'): Promise<Service | undefined> {
  const cluster = await model.requireCluster();
  if (typeof target === 'string') return cluster.service(target);
  if (target && 'service' in target) return target.service;
  if (target?.type === 'task') return cluster.service(target.task.serviceId);
  const pick = await vscode.window.showQuickPick(
    cluster.services.map((s) => ({ label: s.name, description: `${s.endpointMode} · ${s.running}/${s.desired ?? '?'}`, service: s })),
    { title, placeHolder: title === 'Trace Load Balancing' ? 'Service to trace' : 'Service' },
  );
  return pick?.service;
}

/** The source container; the default (a client's view on a readable node) is preselected. null = cancelled. */
export async function pickSource(model: ClusterModel, service: Service, title = `Trace ${service.name} from`): Promise<Task | undefined | null> {
  // (undefined: no candidate, trace without DNS; null: the user cancelled)
  const ctx = await model.traceContext();
  const candidates = sourceCandidates(ctx, service.name);
  if (candidates.length <= 1) return candidates[0];
  type Item = vscode.QuickPickItem & { task?: Task };
  const items = candidates.map((task, i): Item => ({ label: task.name, description: taskSummary(task), detail: i === 0 ? 'default: asks DNS as a client of the service would' : undefined, task }));
  // Grouped by node: the trace reads the namespaces of the node the source runs on.
  const nodes = readableNodes(ctx).filter((n) => candidates.some((t) => t.nodeName === n));
  const grouped: Item[] = nodes.flatMap((n) => [{ label: n, kind: vscode.QuickPickItemKind.Separator }, ...items.filter((i) => i.task!.nodeName === n)]);
  const quickPick = vscode.window.createQuickPick<Item>();
  quickPick.title = title;
  quickPick.placeholder = 'Container that asks DNS and sends the traffic (the trace reads its node)';
  quickPick.items = grouped;
  quickPick.activeItems = [items[0]];
  const chosen = await new Promise<Task | null>((resolve) => {
    quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]?.task ?? quickPick.activeItems[0]?.task ?? null));
    quickPick.onDidHide(() => resolve(null));
    quickPick.show();
  });
  quickPick.dispose();
  return chosen;
}

/** A running container whose node can be read (a namespace to enter), grouped by nothing: one list. */
async function pickReadableContainer(model: ClusterModel, title: string): Promise<Task | undefined> {
  const ctx = await model.traceContext();
  const nodes = readableNodes(ctx);
  const tasks = ctx.cluster.state.tasks.filter((t) => t.state === 'running' && t.containerId && nodes.includes(t.nodeName));
  const pick = await vscode.window.showQuickPick(tasks.map((task) => ({ label: task.name, description: taskSummary(task), task })), { title, placeHolder: `Running containers on ${nodes.join(', ')}` });
  return pick?.task;
}

/** Which node's routing mesh: every reachable node (the default) or one. undefined = all; null = cancelled. */
async function pickMeshNode(model: ClusterModel, port: number): Promise<string | undefined | null> {
  const ctx = await model.traceContext();
  const readable = readableNodes(ctx);
  // One node to read (a single-node bundle, one engine reached): nothing to choose.
  if (readable.length <= 1) return readable[0];
  type Item = vscode.QuickPickItem & { node?: string };
  const items: Item[] = [
    { label: 'Every reachable node', description: readable.join(', '), detail: `each node's DNAT, ingress_sbox mark and pool for ${port}, side by side` },
    ...(ctx.nodes ?? []).map((n): Item => (n.engine ? { label: n.hostname, description: viaText(n.via), node: n.hostname } : { label: n.hostname, description: 'not reached', detail: n.error })),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `Trace Routing Mesh: port ${port}`, placeHolder: 'Whose port' });
  if (!pick) return null;
  if (pick.node === undefined && pick.label !== items[0].label) {
    void vscode.window.showInformationMessage(pick.detail ?? howToReach(pick.label));
    return null;
  }
  return pick.node;
}

async function pickPort(model: ClusterModel, service?: Service) {
  const cluster = await model.ensureLoaded();
  const ports = (service ? [service] : (cluster?.services ?? [])).flatMap((s) => s.ports.filter((p) => p.publishMode === 'ingress' && p.publishedPort).map((p) => ({ label: formatPort(p), description: s.name, port: p })));
  if (ports.length === 0) {
    void vscode.window.showInformationMessage(service ? `${service.name} publishes no port through the routing mesh.` : 'No service publishes a port through the routing mesh (ingress mode).');
    return undefined;
  }
  if (ports.length === 1) return ports[0].port;
  return (await vscode.window.showQuickPick(ports, { title: 'Trace Routing Mesh', placeHolder: 'Published port' }))?.port;
}

async function resolveNameCommand(model: ClusterModel): Promise<void> {
  const task = await pickReadableContainer(model, 'Resolve from which container');
  if (!task?.containerId) return;
  const ctx = await model.traceContext();
  const name = await vscode.window.showQuickPick(
    ctx.cluster.services.flatMap((s) => [s.name, `tasks.${s.name}`]).map((n) => ({ label: n })),
    { title: `Resolve Service Name from ${task.name}`, placeHolder: 'A service name, or tasks.<service>' },
  );
  if (!name) return;
  const answer = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Asking the embedded DNS of ${task.name} for ${name.label}`, cancellable: true }, (_p, token) =>
    withAbort([token], (signal) => resolveName({ ...ctx, signal }, task.containerId!, name.label)),
  );
  await showAnswers(name.label, task, answer);
}

async function showAnswers(name: string, task: Task, dns: Trace['dns'][number]): Promise<void> {
  if (dns.answers.length === 0) {
    void vscode.window.showWarningMessage(`${name} does not resolve from ${task.name} (${dns.status}).`);
    return;
  }
  await vscode.window.showQuickPick(
    dns.answers.map((a) => ({ label: a.address, description: a.owner.kind === 'vip' ? `VIP of ${a.owner.service} on ${a.owner.network}` : a.owner.kind === 'task' ? `${a.owner.task.name} on ${a.owner.task.node} (${a.owner.task.state})` : 'not an address of this swarm' })),
    { title: `${name} from ${task.name}: ${dns.status}`, placeHolder: dns.command },
  );
}

