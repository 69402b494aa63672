// Palette and context-menu commands. Commands that need a target take it from the tree item
// they were invoked on, or ask with a quick pick when run from the palette.
import * as vscode from 'vscode';
import { listContexts } from '../core/docker/endpoint';
import { systemEndpointInputs } from '../core/docker/system';
import { toEngineError } from '../core/docker/errors';
import { isIPv4 } from '../core/cluster/read';
import { serviceSummary, taskSummary } from '../core/cluster/describe';
import type { Service, ServiceVip, Task } from '../core/cluster/types';
import type { ClusterModel } from './clusterModel';
import type { Log } from './log';
import type { ServicesElement, ServicesTreeProvider } from './servicesTree';
import { readSettings, setDockerContext } from './settings';
import { InspectDocuments } from './inspectDocuments';

export interface CommandDeps {
  model: ClusterModel;
  log: Log;
  servicesTree: ServicesTreeProvider;
  servicesView: vscode.TreeView<ServicesElement>;
  inspect: InspectDocuments;
}

export type Register = (id: string, run: (...args: never[]) => unknown) => vscode.Disposable;

export function registerCommands(deps: CommandDeps): { register: Register; disposables: vscode.Disposable[] } {
  const { model, log } = deps;
  const register: Register = (id, run) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        await run(...args);
      } catch (err) {
        // No command ever ends in an unhandled rejection: one sentence to the user, details to the log.
        const error = toEngineError(err, model.endpoint, id);
        log.error(`${id}: ${error.detail}`);
        if (error.kind !== 'cancelled') void vscode.window.showErrorMessage(error.message, 'Show Log').then((pick) => pick && log.show());
      }
    });

  const disposables = [
    register('swarmLens.refresh', () => model.refresh()),
    register('swarmLens.showLog', () => log.show()),
    register('swarmLens.selectContext', () => selectContext(model)),
    register('swarmLens.inspectService', async (element?: ServicesElement) => {
      const service = element && 'service' in element ? element.service : await pickService(model, 'Service to inspect');
      if (service) await deps.inspect.open('service', service.id, service.name);
    }),
    register('swarmLens.inspectTask', async (element?: ServicesElement) => {
      const task = element?.type === 'task' ? element.task : await pickTask(model);
      if (task) await deps.inspect.open('task', task.id, task.name);
    }),
    register('swarmLens.revealIp', async (ipArg?: string) => {
      const ip = typeof ipArg === 'string' ? ipArg : await askIp();
      if (ip) await revealIp(deps, ip);
    }),
    register('swarmLens.copyVip', async (element?: ServicesElement) => {
      const vip = element?.type === 'vip' ? element.vip : await pickVip(model);
      if (!vip) return;
      await vscode.env.clipboard.writeText(vip.address);
      void vscode.window.setStatusBarMessage(`Copied ${vip.address}`, 3000);
    }),
    register('swarmLens.copyAddress', async (element?: ServicesElement) => {
      const address = element?.type === 'vip' ? element.vip.address : element?.type === 'task' ? element.task.addresses[0]?.address : undefined;
      if (address) await vscode.env.clipboard.writeText(address);
    }),
  ];
  return { register, disposables };
}

async function selectContext(model: ClusterModel): Promise<void> {
  const settings = readSettings();
  const contexts = listContexts(systemEndpointInputs());
  type Item = vscode.QuickPickItem & { context?: string };
  const items: Item[] = contexts.map((c) => ({
    label: c.name,
    description: c.host,
    detail: c.description || undefined,
    context: c.name,
    picked: (settings.dockerContext || (contexts.find((x) => x.current)?.name ?? 'default')) === c.name,
  }));
  if (settings.dockerContext) items.push({ label: '$(discard) Use the docker CLI\'s current context', context: undefined });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Swarm: Select Docker Context',
    placeHolder: settings.dockerHost ? 'swarmLens.docker.host is set and takes precedence over any context' : 'Docker context to read the swarm from',
    matchOnDescription: true,
  });
  if (!pick) return;
  await setDockerContext(pick.context);
  await model.refresh();
}

async function pickService(model: ClusterModel, title: string): Promise<Service | undefined> {
  const cluster = await model.requireCluster();
  const pick = await vscode.window.showQuickPick(
    cluster.services.map((service) => ({ label: service.name, description: serviceSummary(service), detail: service.vips.map((v) => `${v.address} on ${v.networkName}`).join(', ') || undefined, service })),
    { title, placeHolder: 'Service name', matchOnDescription: true, matchOnDetail: true },
  );
  return pick?.service;
}

async function pickTask(model: ClusterModel): Promise<Task | undefined> {
  const cluster = await model.requireCluster();
  const pick = await vscode.window.showQuickPick(
    cluster.state.tasks.map((task) => ({ label: task.name, description: taskSummary(task), task })),
    { title: 'Task to inspect', placeHolder: 'Task name, node or IP', matchOnDescription: true },
  );
  return pick?.task;
}

async function pickVip(model: ClusterModel): Promise<ServiceVip | undefined> {
  const cluster = await model.requireCluster();
  const items = cluster.services.flatMap((service) => service.vips.map((vip) => ({ label: vip.address, description: `${service.name} on ${vip.networkName}`, vip })));
  if (items.length === 0) {
    void vscode.window.showInformationMessage('No service in this swarm has a VIP (all use dnsrr, or none is attached to a network).');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title: 'Copy VIP', placeHolder: 'VIP or service name', matchOnDescription: true }))?.vip;
}

async function askIp(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Reveal IP Address',
    prompt: 'An IPv4 address: a VIP, a task address, an LB endpoint',
    placeHolder: '10.0.0.9',
    validateInput: (value) => (isIPv4(value.trim()) ? undefined : 'Type an IPv4 address, like 10.0.0.9'),
  }).then((v) => v?.trim());
}

async function revealIp(deps: CommandDeps, ip: string): Promise<void> {
  const cluster = await deps.model.requireCluster();
  const owner = cluster.ownersOf(ip).find((o) => o.kind === 'vip' || o.kind === 'task');
  if (!owner || (owner.kind !== 'vip' && owner.kind !== 'task')) {
    void vscode.window.showInformationMessage(`${ip} is not the address of a service or task in this swarm.`);
    return;
  }
  const element = deps.servicesTree.find(owner.kind === 'vip' ? owner.service.id : owner.task.id);
  if (!element) return;
  await vscode.commands.executeCommand('swarmLens.services.focus');
  await deps.servicesView.reveal(element, { select: true, focus: true, expand: true });
}
