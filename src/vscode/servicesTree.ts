// Maps the cached cluster to tree items; fetching belongs to ClusterModel.
import * as vscode from 'vscode';
import type { Cluster } from '../core/cluster/cluster';
import { serviceSummary, taskSummary, vipSummary } from '../core/cluster/describe';
import type { Service, ServiceVip, Task } from '../core/cluster/types';
import type { ClusterModel } from './clusterModel';
import { ModelTreeProvider } from './modelTree';
import { dnsrrTooltip, serviceTooltip, taskTooltip, vipTooltip } from './tooltips';
import { md, stateIcon } from './ui';

export type ServicesElement =
  | { type: 'stack'; id: string; name: string; services: Service[] }
  | { type: 'service'; id: string; service: Service; parent?: ServicesElement }
  | { type: 'vip'; id: string; service: Service; vip: ServiceVip; parent: ServicesElement }
  | { type: 'dnsrr'; id: string; service: Service; parent: ServicesElement }
  | { type: 'task'; id: string; task: Task; parent: ServicesElement };

export class ServicesTreeProvider extends ModelTreeProvider<ServicesElement> {
  /** Elements by id for the current cluster, so reveal() and getParent() are lookups. */
  private elements = new Map<string, ServicesElement>();
  private roots: ServicesElement[] = [];
  private builtFor?: Cluster;

  constructor(model: ClusterModel) {
    super(model);
  }

  getChildren(element?: ServicesElement): ServicesElement[] {
    const cluster = this.model.cluster;
    if (!cluster) return [];
    this.index(cluster);
    if (!element) return this.roots;
    switch (element.type) {
      case 'stack':
        return element.services.map((s) => this.elements.get(`service:${s.id}`)!);
      case 'service':
        return this.childrenOf(element.service);
      default:
        return [];
    }
  }

  getParent(element: ServicesElement): ServicesElement | undefined {
    return 'parent' in element ? element.parent : undefined;
  }

  /** The element for a service or task id, to reveal it. */
  find(id: string): ServicesElement | undefined {
    const cluster = this.model.cluster;
    if (cluster) this.index(cluster);
    return this.elements.get(`service:${id}`) ?? this.elements.get(`task:${id}`);
  }

  getTreeItem(element: ServicesElement): vscode.TreeItem {
    const node = this.model.cluster?.state.engine.nodeName ?? '';
    switch (element.type) {
      case 'stack': {
        const item = new vscode.TreeItem(element.name, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `stack · ${element.services.length} service${element.services.length === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('layers');
        item.contextValue = 'swarmStack';
        return withId(item, element);
      }
      case 'service':
        return withId(serviceItem(element.service), element);
      case 'vip': {
        const item = new vscode.TreeItem(element.vip.address, vscode.TreeItemCollapsibleState.None);
        item.description = vipSummary(element.vip, node);
        item.iconPath = new vscode.ThemeIcon('target');
        item.contextValue = 'swarmVip';
        item.tooltip = md(vipTooltip(this.model.cluster!, element.service, element.vip, node));
        return withId(item, element);
      }
      case 'dnsrr': {
        const item = new vscode.TreeItem('names resolve to the task IPs', vscode.TreeItemCollapsibleState.None);
        item.description = 'dnsrr · no VIP, no IPVS';
        item.iconPath = new vscode.ThemeIcon('info');
        item.contextValue = 'swarmDnsrrNote';
        item.tooltip = md(dnsrrTooltip(element.service));
        return withId(item, element);
      }
      case 'task':
        return withId(taskItem(element.task), element);
    }
  }

  private index(cluster: Cluster): void {
    if (this.builtFor === cluster) return;
    this.builtFor = cluster;
    this.elements = new Map();
    const stacks = new Map<string, Service[]>();
    const loose: ServicesElement[] = [];
    for (const service of cluster.services) {
      if (service.stack) {
        const list = stacks.get(service.stack) ?? [];
        list.push(service);
        stacks.set(service.stack, list);
      } else {
        loose.push(this.element({ type: 'service', id: `service:${service.id}`, service }));
      }
    }
    const stackElements = [...stacks.entries()].map(([name, services]) => {
      const stack = this.element({ type: 'stack', id: `stack:${name}`, name, services });
      for (const service of services) this.element({ type: 'service', id: `service:${service.id}`, service, parent: stack });
      return stack;
    });
    this.roots = [...stackElements, ...loose];
    // Tasks are registered eagerly so a task can be revealed before its service was expanded.
    for (const service of cluster.services) this.childrenOf(service);
  }

  private childrenOf(service: Service): ServicesElement[] {
    const parent = this.elements.get(`service:${service.id}`)!;
    const head: ServicesElement[] =
      service.endpointMode === 'dnsrr'
        ? [this.element({ type: 'dnsrr', id: `dnsrr:${service.id}`, service, parent })]
        : service.vips.map((vip) => this.element({ type: 'vip', id: `vip:${service.id}:${vip.networkId}`, service, vip, parent }));
    const tasks = this.model.cluster!.tasksOf(service.id).map((task) => this.element({ type: 'task', id: `task:${task.id}`, task, parent }));
    return [...head, ...tasks];
  }

  private element<T extends ServicesElement>(element: T): T {
    const existing = this.elements.get(element.id);
    if (existing) return existing as T;
    this.elements.set(element.id, element);
    return element;
  }
}

function withId(item: vscode.TreeItem, element: ServicesElement): vscode.TreeItem {
  item.id = element.id;
  return item;
}

function serviceItem(s: Service): vscode.TreeItem {
  const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.description = serviceSummary(s);
  const health = s.desired !== undefined && s.running >= s.desired ? 'ok' : s.running > 0 ? 'partial' : 'down';
  item.iconPath = new vscode.ThemeIcon(
    s.endpointMode === 'vip' ? 'type-hierarchy-sub' : 'list-ordered',
    new vscode.ThemeColor(health === 'ok' ? 'testing.iconPassed' : health === 'partial' ? 'list.warningForeground' : 'list.errorForeground'),
  );
  const published = s.ports.some((p) => p.publishMode === 'ingress' && p.publishedPort) ? '.published' : '';
  item.contextValue = `swarmService.${s.endpointMode}${published}`;
  item.tooltip = md(serviceTooltip(s));
  return item;
}

function taskItem(t: Task): vscode.TreeItem {
  const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.None);
  item.description = taskSummary(t);
  item.iconPath = stateIcon(t.state);
  item.contextValue = `swarmTask.${t.state}`;
  item.tooltip = md(taskTooltip(t));
  return item;
}
