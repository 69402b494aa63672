// The text of an IP hover. It is rendered trusted (it carries command links), so every value
// from the cluster goes through the markdown tag; no vscode import, so it is unit-tested.
import type { Cluster, IpOwner } from '../core/cluster/cluster';
import { describeOwner, shortId, vipBackends } from '../core/cluster/describe';
import { formatMark } from '../core/cluster/marks';
import { code, commandLink, joinMd, markdown, Md } from './markdown';

/** The only commands a hover may run; everything else in it is plain text. */
export const HOVER_COMMANDS = ['swarmLens.traceService', 'swarmLens.revealIp'];

export function hoverText(cluster: Cluster, ip: string, owners: readonly IpOwner[]): Md {
  const node = cluster.state.engine.nodeName;
  const lines = owners.map((owner) => {
    switch (owner.kind) {
      case 'vip': {
        const backends = vipBackends(cluster, owner.service, owner.vip).map((b) => markdown`${code(b.task.name)} (${b.task.nodeName})`);
        const mark = owner.vip.mark ? markdown`, mark ${code(formatMark(owner.vip.mark))} on ${node}` : markdown``;
        return markdown`**${ip}**: VIP of service ${code(owner.service.name)} on ${code(owner.vip.networkName)}${mark}; backends ${backends.length ? joinMd(backends, ', ') : 'none running'}`;
      }
      case 'task': {
        const t = owner.task;
        const container = t.containerId ? markdown`, container ${code(shortId(t.containerId))}` : markdown``;
        return markdown`**${ip}**: task ${code(t.name)} of service ${code(t.serviceName)} on ${code(owner.address.networkName)}, node ${code(t.nodeName)}, ${t.state}${container}`;
      }
      default:
        return markdown`**${ip}**: ${describeOwner(cluster, owner)}`;
    }
  });
  const service = owners.map((o) => (o.kind === 'vip' ? o.service.name : o.kind === 'task' ? o.task.serviceName : undefined)).find(Boolean);
  const links = service ? markdown`${commandLink('Trace Load Balancing', HOVER_COMMANDS[0], [service])} · ${commandLink('Reveal in Swarm View', HOVER_COMMANDS[1], [ip])}` : undefined;
  return joinMd([...lines, links], '\n\n');
}
