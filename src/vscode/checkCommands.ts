// Check Load Balancing (every reachable node against the control plane, shown as a matrix) and
// Reach Node (how Swarm Lens gets to a node's own engine). Both palette commands.
import * as vscode from 'vscode';
import { checkLoadBalancing } from '../core/check/run';
import type { CheckReport } from '../core/check/types';
import { listContexts, nodeHostEndpoint } from '../core/docker/endpoint';
import { systemEndpointInputs } from '../core/docker/system';
import type { SwarmNode } from '../core/cluster/types';
import { dnsSourceOn } from '../core/trace/run';
import { unlessCancelled } from './cancellation';
import { CheckPanels } from './checkPanel';
import type { ClusterModel } from './clusterModel';
import type { Register } from './commands';
import { readSettings, setNodeReach } from './settings';
import { howToReach, type NodeReach } from '../core/nodes/reach';

export interface CheckCommandDeps {
  model: ClusterModel;
  context: vscode.ExtensionContext;
}

/** Runs a check with a cancellable notification; undefined when cancelled. */
async function runCheck(model: ClusterModel, services: string[], token?: vscode.CancellationToken): Promise<CheckReport | undefined> {
  const title = services.length === 1 ? `Checking ${services[0]} on every node` : 'Checking load balancing on every node';
  return vscode.window.withProgress({ location: model.offline ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification, title, cancellable: true }, (_p, own) =>
    unlessCancelled([own, token], async (signal) => {
      const ctx = await model.traceContext(signal);
      if (!(await confirmSwarmJobs(ctx.nodes ?? [], model.endpoint?.host ?? 'the connected engine'))) {
        // Declined: those nodes are named as unreached, nothing is created.
        ctx.nodes = ctx.nodes?.map((n) => (n.jobVia ? { nodeId: n.nodeId, hostname: n.hostname, error: howToReach(n.hostname) } : n));
      }
      return checkLoadBalancing(ctx, services);
    }),
  );
}

let jobsConfirmed = false;

/**
 * The one write Swarm Lens may make to a cluster, and only when turned on: asks once per window,
 * naming what will be created where. True when no job is needed or the user agreed.
 */
async function confirmSwarmJobs(nodes: readonly NodeReach[], manager: string): Promise<boolean> {
  const jobs = nodes.filter((n) => n.jobVia).map((n) => n.hostname);
  if (jobs.length === 0 || jobsConfirmed) return true;
  const create = 'Create Swarm Jobs';
  const answer = await vscode.window.showWarningMessage(
    `Swarm Lens will create a short-lived swarm job on ${jobs.join(', ')} through ${manager}`,
    {
      modal: true,
      detail: `One service per node (swarm-lens-probe-…) that runs once, pinned to it, running ${readSettings().helperImage} with the node's netns folder mounted read-only and SYS_ADMIN/NET_ADMIN. It reads the load balancers and is removed when done, also on cancel. Nothing else is ever changed (setting swarmLens.trace.swarmJob).`,
    },
    create,
  );
  jobsConfirmed = answer === create;
  return jobsConfirmed;
}

export function registerCheckCommands(deps: CheckCommandDeps, register: Register): vscode.Disposable[] {
  const { model, context } = deps;
  const handlers = {
    refresh: (current: CheckReport, token: vscode.CancellationToken) => runCheck(model, current.services.length === model.cluster?.services.length ? [] : current.services, token),
    traceOn: async (service: string, node: string) => {
      const ctx = await model.traceContext();
      const s = ctx.cluster.service(service);
      const local = ctx.cluster.state.tasks.filter((t) => t.nodeName === node && t.state === 'running' && t.containerId);
      const source = s && s.networkIds.map((n) => dnsSourceOn(local, s, n)).find((t) => t);
      // No task on that node to ask from: the picker lets the user choose.
      return source ? vscode.commands.executeCommand('swarmLens.traceService', service, source.containerId) : vscode.commands.executeCommand('swarmLens.traceService', service);
    },
    reachNode: (node: string) => vscode.commands.executeCommand('swarmLens.reachNode', node),
  };
  const panels = new CheckPanels(context.extensionUri, handlers);
  return [
    panels,
    // (a service element or name: check that service only; nothing: every service)
    register('swarmLens.checkLoadBalancing', async (target?: { service?: { name: string } } | string) => {
      const service = typeof target === 'string' ? target : target?.service?.name;
      const report = await runCheck(model, service ? [service] : []);
      if (report) panels.show(report);
    }),
    register('swarmLens.reachNode', async (target?: SwarmNode | string) => reachNode(model, typeof target === 'string' ? target : target?.hostname)),
  ];
}

/** Picks how to reach a node's engine (a docker context, or an address) and saves it in swarmLens.nodes. */
async function reachNode(model: ClusterModel, hostname?: string): Promise<void> {
  const cluster = await model.ensureLoaded();
  if (!cluster) return;
  const ctx = await model.traceContext();
  const node = hostname ?? (await vscode.window.showQuickPick(
    (ctx.nodes ?? []).map((n) => ({ label: n.hostname, description: n.engine ? 'reached' : 'not reached', detail: n.error })),
    { title: 'Swarm: Reach Node', placeHolder: 'Node whose own engine Swarm Lens should use' },
  ))?.label;
  if (!node) return;
  type Item = vscode.QuickPickItem & { value?: string; enter?: boolean };
  const items: Item[] = [
    ...listContexts(systemEndpointInputs()).map((c) => ({ label: c.name, description: c.host, detail: c.description || undefined, value: c.name })),
    { label: '$(edit) Enter a Docker address…', detail: 'ssh://user@host, tcp://host:2376 (with DOCKER_TLS_VERIFY) or unix:///path', enter: true },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `Reach ${node}`, placeHolder: `The docker context or address whose engine runs on ${node}` });
  if (!pick) return;
  let value = pick.value;
  if (pick.enter) {
    value = await vscode.window.showInputBox({
      title: `Reach ${node}`,
      prompt: `Docker address of ${node}'s own engine`,
      placeHolder: 'ssh://me@node2',
      validateInput: (text) => {
        if (!text.includes('://')) return 'An address like ssh://me@node2 or tcp://10.0.0.5:2376.';
        try {
          nodeHostEndpoint(systemEndpointInputs(), text);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
  }
  if (!value) return;
  await setNodeReach(node, value);
  const reached = (await model.traceContext()).nodes?.find((n) => n.hostname === node);
  if (reached?.engine) void vscode.window.showInformationMessage(`Swarm Lens reaches ${node} through ${value}.`);
  else void vscode.window.showWarningMessage(reached?.error ?? `${node} is still not reached through ${value}.`);
}
