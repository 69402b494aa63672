import * as vscode from 'vscode';
import type { SwarmNode } from '../core/cluster/types';
import type { ClusterModel } from './clusterModel';
import { ModelTreeProvider } from './modelTree';
import { nodeTooltip } from './tooltips';
import { md, stateIcon } from './ui';
import { compareText } from '../core/cluster/order';

export class NodesTreeProvider extends ModelTreeProvider<SwarmNode> {
  constructor(model: ClusterModel) {
    super(model);
  }

  getChildren(element?: SwarmNode): SwarmNode[] {
    return element ? [] : [...(this.model.cluster?.snapshot.nodes ?? [])].sort((a, b) => compareText(a.hostname, b.hostname));
  }

  getTreeItem(n: SwarmNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.hostname, vscode.TreeItemCollapsibleState.None);
    item.id = `node:${n.id}`;
    const role = n.role === 'manager' ? (n.leader ? 'manager (leader)' : 'manager') : n.role;
    item.description = [role, n.availability, n.state, n.engineVersion, n.address].filter(Boolean).join(' · ');
    item.iconPath = n.state === 'ready' && n.availability === 'active' ? new vscode.ThemeIcon('server', new vscode.ThemeColor('testing.iconPassed')) : stateIcon(n.availability !== 'active' ? n.availability : n.state);
    item.contextValue = `swarmNode.${n.role}`;
    item.tooltip = md(nodeTooltip(n, role));
    return item;
  }
}
