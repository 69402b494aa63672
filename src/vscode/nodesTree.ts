import * as vscode from 'vscode';
import type { SwarmNode } from '../core/cluster/types';
import type { ClusterModel } from './clusterModel';
import { ModelTreeProvider } from './modelTree';
import { nodeTooltip } from './tooltips';
import { md, stateIcon } from './ui';
import { compareText } from '../core/cluster/order';
import { viaText } from '../core/nodes/reach';

export class NodesTreeProvider extends ModelTreeProvider<SwarmNode> {
  constructor(model: ClusterModel) {
    super(model);
  }

  getChildren(element?: SwarmNode): SwarmNode[] {
    return element ? [] : [...(this.model.cluster?.state.nodes ?? [])].sort((a, b) => compareText(a.hostname, b.hostname));
  }

  getTreeItem(n: SwarmNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.hostname, vscode.TreeItemCollapsibleState.None);
    item.id = `node:${n.id}`;
    const role = n.role === 'manager' ? (n.leader ? 'manager (leader)' : 'manager') : n.role;
    // How Swarm Lens reaches this node's own engine (traces and checks read each node through it).
    const reach = this.model.reach?.find((r) => r.nodeId === n.id || r.hostname === n.hostname);
    const reached = reach ? (!reach.engine ? 'not reached' : reach.via?.kind === 'context' ? `via ${reach.via.context}` : reach.via?.kind === 'setting' ? 'via swarmLens.nodes' : reach.via?.kind === 'engine' ? 'connected' : 'in the snapshot') : undefined;
    // Short enough for a sidebar: what is unusual, then how it is reached; the rest is in the tooltip.
    const unusual = [n.availability !== 'active' && n.availability, n.state !== 'ready' && n.state].filter(Boolean);
    item.description = [role, ...unusual, reached, n.engineVersion].filter(Boolean).join(' · ');
    item.iconPath = n.state === 'ready' && n.availability === 'active' ? new vscode.ThemeIcon('server', new vscode.ThemeColor('testing.iconPassed')) : stateIcon(n.availability !== 'active' ? n.availability : n.state);
    item.contextValue = `swarmNode.${n.role}.${reach && !reach.engine ? 'unreached' : 'reached'}`;
    item.tooltip = md(nodeTooltip(n, role, reach && (reach.engine ? `Reached through ${viaText(reach.via)}.` : reach.error)));
    return item;
  }
}
