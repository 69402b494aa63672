// Names any swarm IP under the mouse, from the cached cluster only: no Docker call on hover.
import * as vscode from 'vscode';
import type { Cluster, IpOwner } from '../core/cluster/cluster';
import { describeOwner, shortId, vipBackends } from '../core/cluster/describe';
import { ipv4At } from '../core/cluster/ipAt';
import { formatMark } from '../core/cluster/marks';
import type { ClusterModel } from './clusterModel';
import { readSettings } from './settings';

/** The only commands a hover may run; everything else in it is plain text. */
export const HOVER_COMMANDS = ['swarmLens.traceService', 'swarmLens.revealIp'];

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

/** Cluster text in trusted Markdown: nothing in it may close a code span or start a link. */
const plain = (text: string) => text.replace(/[`[\]\\<>]/g, '');
const code = (name: string) => '`' + plain(name) + '`';

export function hoverMarkdown(cluster: Cluster, ip: string, owners: readonly IpOwner[]): vscode.MarkdownString {
  const node = plain(cluster.snapshot.engine.nodeName);
  const lines = owners.map((owner) => {
    switch (owner.kind) {
      case 'vip': {
        const backends = vipBackends(cluster, owner.service, owner.vip).map((b) => `${code(b.task.name)} (${plain(b.task.nodeName)})`);
        const mark = owner.vip.mark ? `, mark \`${formatMark(owner.vip.mark)}\` on ${node}` : '';
        return `**${ip}**: VIP of service ${code(owner.service.name)} on ${code(owner.vip.networkName)}${mark}; backends ${backends.join(', ') || 'none running'}`;
      }
      case 'task': {
        const t = owner.task;
        return `**${ip}**: task ${code(t.name)} of service ${code(t.serviceName)} on ${code(owner.address.networkName)}, node ${code(t.nodeName)}, ${t.state}${t.containerId ? `, container ${code(shortId(t.containerId))}` : ''}`;
      }
      default:
        return `**${ip}**: ${plain(describeOwner(cluster, owner))}`;
    }
  });
  const service = owners.map((o) => (o.kind === 'vip' ? o.service.name : o.kind === 'task' ? o.task.serviceName : undefined)).find(Boolean);
  const link = (title: string, command: string, arg: string) => `[${title}](command:${command}?${encodeURIComponent(JSON.stringify([arg]))})`;
  const links = service ? `\n\n${link('Trace Load Balancing', 'swarmLens.traceService', service)} · ${link('Reveal in Swarm View', 'swarmLens.revealIp', ip)}` : '';
  const text = lines.join('\n\n') + links;
  const markdown = new vscode.MarkdownString(text);
  markdown.isTrusted = { enabledCommands: HOVER_COMMANDS };
  return markdown;
}
