// The words the tree, the hovers and the CLI use for the same things, written once.
import type { Cluster, IpOwner } from './cluster';
import { formatMark } from './marks';
import { formatPort } from './state';
import type { Service, ServiceVip, Task } from './types';

function replicasText(s: Service): string {
  return `${s.running}/${s.desired ?? '?'}`;
}

/** `vip · 2/2 · *:8080->80/tcp` */
export function serviceSummary(s: Service): string {
  return [s.endpointMode, replicasText(s), ...s.ports.map(formatPort)].join(' · ');
}

/** Addresses of a task, service networks first and ingress last, as people look for them. */
export function taskAddresses(t: Task): string[] {
  const ingressLast = [...t.addresses].sort((a, b) => Number(a.networkName === 'ingress') - Number(b.networkName === 'ingress'));
  return ingressLast.map((a) => a.address);
}

/** `node1 · running · 10.0.0.10` */
export function taskSummary(t: Task): string {
  return [t.nodeName, t.state, ...taskAddresses(t).slice(0, 2)].join(' · ');
}

/** `on overlay1 · mark 0x103 (259)` */
export function vipSummary(vip: ServiceVip, nodeName: string): string {
  return `on ${vip.networkName} · ${vip.mark ? `mark ${formatMark(vip.mark)}` : `no mark on ${nodeName || 'this node'}`}`;
}

/** Running tasks with an address on the VIP's network: what IPVS should balance over. */
export function vipBackends(cluster: Cluster, service: Service, vip: ServiceVip): { task: Task; address: string }[] {
  return cluster.tasksOf(service.id).flatMap((task) => {
    const address = task.addresses.find((a) => a.networkId === vip.networkId)?.address;
    return task.state === 'running' && address ? [{ task, address }] : [];
  });
}

export function shortId(id: string | undefined): string {
  return id ? id.slice(0, 12) : '';
}

/** One plain-text line per owner, for the CLI and logs. */
export function describeOwner(cluster: Cluster, owner: IpOwner): string {
  const node = cluster.state.engine.nodeName;
  switch (owner.kind) {
    case 'vip': {
      const backends = vipBackends(cluster, owner.service, owner.vip).map((b) => `${b.task.name} (${b.task.nodeName})`);
      return `VIP of service ${owner.service.name} ${vipSummary(owner.vip, node)}; backends: ${backends.join(', ') || 'none running'}`;
    }
    case 'task':
      return `task ${owner.task.name} of service ${owner.task.serviceName} on ${owner.address.networkName} · node ${owner.task.nodeName} · ${owner.task.state}${owner.task.containerId ? ` · container ${shortId(owner.task.containerId)}` : ''}`;
    case 'lb-endpoint':
      return `load-balancer endpoint of ${owner.network.name} on ${node} (the lb_ sandbox; backends see VIP traffic come from it)`;
    case 'ingress-sandbox':
      return `ingress sandbox (ingress_sbox) of ${node} on the ingress network (the routing mesh sends published ports through it)`;
    case 'node':
      return `swarm address of node ${owner.node.hostname} (${owner.node.role}${owner.node.leader ? ', leader' : ''})`;
  }
}
