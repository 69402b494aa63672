import * as vscode from 'vscode';
import { formatMark } from '../core/cluster/marks';
import type { Network, NetworkServiceEntry } from '../core/cluster/types';
import type { ClusterModel } from './clusterModel';
import { ModelTreeProvider } from './modelTree';
import { networkTooltip } from './tooltips';
import { md } from './ui';
import { compareText } from '../core/cluster/order';

export type NetworksElement =
  | { type: 'network'; network: Network }
  | { type: 'lb'; network: Network }
  | { type: 'service'; network: Network; entry: NetworkServiceEntry }
  | { type: 'endpoint'; network: Network; entry: NetworkServiceEntry; task: NetworkServiceEntry['tasks'][number] };

export class NetworksTreeProvider extends ModelTreeProvider<NetworksElement> {
  constructor(model: ClusterModel) {
    super(model);
  }

  getChildren(element?: NetworksElement): NetworksElement[] {
    const cluster = this.model.cluster;
    if (!cluster) return [];
    if (!element) return [...cluster.state.networks].sort((a, b) => Number(b.ingress) - Number(a.ingress) || compareText(a.name, b.name)).map((network) => ({ type: 'network', network }));
    const network = element.network;
    switch (element.type) {
      case 'network':
        return [...(network.lbEndpoint ? [{ type: 'lb' as const, network }] : []), ...network.services.map((entry) => ({ type: 'service' as const, network, entry }))];
      case 'service':
        return element.entry.tasks.map((task) => ({ type: 'endpoint', network, entry: element.entry, task }));
      default:
        return [];
    }
  }

  getTreeItem(element: NetworksElement): vscode.TreeItem {
    const network = element.network;
    const node = this.model.cluster?.state.engine.nodeName ?? 'this node';
    switch (element.type) {
      case 'network': {
        const item = new vscode.TreeItem(network.name, network.services.length || network.lbEndpoint ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `network:${network.id}`;
        item.description = [network.ingress ? 'ingress' : network.driver, network.subnet, network.vxlanId ? `VXLAN ${network.vxlanId}` : '', network.attachable ? 'attachable' : ''].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(network.ingress ? 'globe' : 'type-hierarchy');
        item.contextValue = network.ingress ? 'swarmNetwork.ingress' : 'swarmNetwork';
        item.tooltip = md(networkTooltip(network));
        return item;
      }
      case 'lb': {
        const lb = network.lbEndpoint!;
        const item = new vscode.TreeItem(lb.address, vscode.TreeItemCollapsibleState.None);
        item.description = network.ingress ? `ingress sandbox on ${node}` : `load balancer ${lb.name} on ${node}`;
        item.iconPath = new vscode.ThemeIcon('debug-disconnect');
        item.contextValue = 'swarmLbEndpoint';
        return item;
      }
      case 'service': {
        const e = element.entry;
        const item = new vscode.TreeItem(e.serviceName, e.tasks.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.description = [e.vip ? `VIP ${e.vip}` : 'dnsrr', e.mark ? `mark ${formatMark(e.mark)}` : '', ...e.ports].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(e.vip ? 'type-hierarchy-sub' : 'list-ordered');
        item.contextValue = 'swarmNetworkService';
        return item;
      }
      case 'endpoint': {
        const t = element.task;
        // Verbose inspect names tasks `vote.1.<task id>`; the id adds nothing here.
        const item = new vscode.TreeItem(t.name.replace(/\.[a-z0-9]{25}$/, ''), vscode.TreeItemCollapsibleState.None);
        item.description = [t.endpointIp, t.hostIp ? `host ${t.hostIp}` : ''].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon('plug');
        item.contextValue = 'swarmNetworkEndpoint';
        return item;
      }
    }
  }
}
