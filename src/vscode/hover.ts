// Names any swarm IP under the mouse, from the cached cluster only: no Docker call on hover.
import * as vscode from 'vscode';
import type { Cluster, IpOwner } from '../core/cluster/cluster';
import { ipv4At } from '../core/cluster/ipAt';
import type { ClusterModel } from './clusterModel';
import { HOVER_COMMANDS, hoverText } from './hoverText';
import { readSettings } from './settings';
import { md } from './ui';

export class IpHoverProvider implements vscode.HoverProvider {
  constructor(private readonly model: ClusterModel) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!readSettings().hoverEnabled) return undefined;
    const line = document.lineAt(position.line).text;
    const found = ipv4At(line, position.character);
    if (!found) return undefined;
    const cluster = this.model.cluster;
    if (!cluster) {
      // First IP hovered before any view opened: read the cluster in the background for the next hover.
      if (this.model.state.kind === 'idle') void this.model.refresh();
      return undefined;
    }
    const owners = cluster.ownersOf(found.ip);
    if (owners.length === 0) return undefined;
    const range = new vscode.Range(position.line, found.start, position.line, found.end);
    return new vscode.Hover(hoverMarkdown(cluster, found.ip, owners), range);
  }
}

/** Trusted for its two command links only; every cluster value in it was escaped by hoverText. */
export function hoverMarkdown(cluster: Cluster, ip: string, owners: readonly IpOwner[]): vscode.MarkdownString {
  const markdown = md(hoverText(cluster, ip, owners));
  markdown.isTrusted = { enabledCommands: HOVER_COMMANDS };
  return markdown;
}
