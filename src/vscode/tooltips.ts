// Tooltip text of the views and the status bar. Node names, states, images, labels, error
// messages and snapshot fields are all someone else's text: each goes through the markdown tag.
// No vscode import, so the escaping is unit-tested; ui.md() turns the result into a tooltip.
import type { Cluster } from '../core/cluster/cluster';
import { shortId, vipBackends } from '../core/cluster/describe';
import { formatMark } from '../core/cluster/marks';
import { formatPort } from '../core/cluster/state';
import type { EngineSummary, Network, Service, ServiceVip, SwarmNode, Task } from '../core/cluster/types';
import { code, joinMd, markdown, Md } from './markdown';

const paragraphs = (parts: readonly (Md | undefined | false)[]) => joinMd(parts, '\n\n');

export function nodeTooltip(n: SwarmNode, role: string, reach?: string): Md {
  return paragraphs([
    markdown`**${n.hostname}**${n.self ? ' (answered this refresh)' : ''}`,
    markdown`ID ${code(n.id)} · ${role} · availability ${n.availability} · ${n.state}`,
    markdown`Engine ${n.engineVersion || 'unknown'} · address ${code(n.address)}`,
    ...(reach ? [markdown`${reach}`] : []),
  ]);
}

export function networkTooltip(network: Network): Md {
  return paragraphs([
    markdown`**${network.name}** · ${code(network.id)}`,
    markdown`Driver ${network.driver} · scope ${network.scope} · subnet ${code(network.subnet ?? '?')} · gateway ${code(network.gateway ?? '?')}${network.vxlanId ? markdown` · VXLAN ${network.vxlanId}` : ''}`,
  ]);
}

export function serviceTooltip(s: Service): Md {
  return paragraphs([
    markdown`**${s.name}**${s.stack ? markdown` (stack ${code(s.stack)})` : ''}`,
    markdown`Image ${code(s.image)} · ${s.mode} · endpoint mode ${code(s.endpointMode)} · ${s.running}/${s.desired ?? '?'} running`,
    s.ports.length > 0 && markdown`Ports: ${joinMd(s.ports.map((p) => code(formatPort(p))), ', ')}`,
    ...s.vips.map((v) => markdown`VIP ${code(v.address)} on ${code(v.networkName)}${v.mark ? markdown` · mark ${code(formatMark(v.mark))}` : ''}`),
    !!s.updateState && markdown`Update: ${s.updateState}`,
  ]);
}

export function vipTooltip(cluster: Cluster, service: Service, vip: ServiceVip, node: string): Md {
  const backends = vipBackends(cluster, service, vip).map((b) => markdown`${code(b.task.name)} ${b.address}`);
  return paragraphs([
    markdown`**${vip.address}** — VIP of ${code(service.name)} on ${code(vip.networkName)}`,
    vip.mark ? markdown`iptables mark ${code(vip.mark.hex)} = IPVS ${code(`FWM ${vip.mark.decimal}`)} on ${node}` : markdown`No LocalLBIndex reported for it on ${node}.`,
    markdown`Backends: ${backends.length ? joinMd(backends, ', ') : 'no running task'}`,
  ]);
}

export function dnsrrTooltip(service: Service): Md {
  return markdown`${code(service.name)} uses DNS round robin: the embedded DNS answers with the task IPs in shuffled order. Clients that cache DNS (TTL 600 s) keep talking to the same task.`;
}

export function taskTooltip(t: Task): Md {
  return paragraphs([
    markdown`**${t.name}** · task ${code(shortId(t.id))}`,
    markdown`Node ${code(t.nodeName)} · ${t.state} (desired ${t.desiredState})${t.containerId ? markdown` · container ${code(shortId(t.containerId))}` : ''}`,
    joinMd(t.addresses.map((a) => markdown`${code(a.address)} on ${code(a.networkName)}`), ', '),
    t.error ? markdown`Error: ${t.error}` : markdown`${t.message}`,
  ]);
}

const PICK_CONTEXT = 'Click to pick another Docker context.';

export function errorStatusTooltip(message: string): Md {
  return paragraphs([markdown`**Swarm Lens**`, markdown`${message}`, markdown`${PICK_CONTEXT}`]);
}

export function offlineStatusTooltip(snap: { label: string; cluster: string; takenAt: string }): Md {
  return paragraphs([
    markdown`**Swarm Lens** is showing ${snap.label}: the cluster ${code(snap.cluster)} as it was at ${snap.takenAt}.`,
    markdown`Views, hovers and traces answer from the file. Run **Swarm: Back to the Live Engine** to leave it.`,
  ]);
}

export function engineStatusTooltip(context: string, endpoint: { host: string; source: string } | undefined, e: EngineSummary, apiVersion: string | undefined): Md {
  return paragraphs([
    markdown`**Swarm Lens**`,
    markdown`Context ${code(context)} · ${code(endpoint?.host ?? '')} (from ${endpoint?.source ?? 'default'})`,
    markdown`Node ${code(e.nodeName)} (${e.role}) · Docker Engine ${e.serverVersion} · API ${apiVersion || 'unknown'}`,
    markdown`${e.os} · kernel ${e.kernel}`,
    markdown`${PICK_CONTEXT}`,
  ]);
}
