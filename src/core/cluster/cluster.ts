// A ClusterState with its indexes: everything a tree, a hover or a trace asks is one Map lookup.
import type { ClusterState } from './state';
import type { Network, Service, ServiceVip, SwarmNode, Task, TaskAddress } from './types';

export type IpOwner =
  | { kind: 'vip'; service: Service; vip: ServiceVip }
  | { kind: 'task'; task: Task; address: TaskAddress }
  | { kind: 'lb-endpoint'; network: Network }
  | { kind: 'ingress-sandbox'; network: Network }
  | { kind: 'node'; node: SwarmNode };

export class Cluster {
  private readonly byIp = new Map<string, IpOwner[]>();
  private readonly servicesById = new Map<string, Service>();
  private readonly servicesByName = new Map<string, Service>();
  private readonly tasksById = new Map<string, Task>();
  private readonly tasksByService = new Map<string, Task[]>();
  private readonly networksById = new Map<string, Network>();

  constructor(readonly state: ClusterState) {
    for (const s of state.services) {
      this.servicesById.set(s.id, s);
      this.servicesByName.set(s.name, s);
      for (const vip of s.vips) this.add(vip.address, { kind: 'vip', service: s, vip });
    }
    for (const t of state.tasks) {
      this.tasksById.set(t.id, t);
      const list = this.tasksByService.get(t.serviceId);
      if (list) list.push(t);
      else this.tasksByService.set(t.serviceId, [t]);
      for (const address of t.addresses) this.add(address.address, { kind: 'task', task: t, address });
    }
    for (const n of state.networks) {
      this.networksById.set(n.id, n);
      if (n.lbEndpoint) this.add(n.lbEndpoint.address, { kind: n.ingress ? 'ingress-sandbox' : 'lb-endpoint', network: n });
    }
    for (const node of state.nodes) {
      // Status.Addr can be 0.0.0.0 on some engines; that names no node.
      if (node.address && node.address !== '0.0.0.0') this.add(node.address, { kind: 'node', node });
    }
  }

  get services(): readonly Service[] {
    return this.state.services;
  }

  /** Everything known at this address (usually one owner); empty when the address is not the swarm's. */
  ownersOf(ip: string): readonly IpOwner[] {
    return this.byIp.get(ip) ?? [];
  }

  service(idOrName: string): Service | undefined {
    return this.servicesById.get(idOrName) ?? this.servicesByName.get(idOrName);
  }

  task(id: string): Task | undefined {
    return this.tasksById.get(id);
  }

  tasksOf(serviceId: string): readonly Task[] {
    return this.tasksByService.get(serviceId) ?? [];
  }

  network(id: string): Network | undefined {
    return this.networksById.get(id);
  }

  private add(ip: string, owner: IpOwner): void {
    const list = this.byIp.get(ip);
    if (!list) this.byIp.set(ip, [owner]);
    // A running task's address is the one that matters when an old one held it too.
    else if (owner.kind === 'task' && owner.task.state === 'running') list.unshift(owner);
    else list.push(owner);
  }
}
