// A large synthetic cluster in the Engine API's own shapes (API 1.41), for the benchmark.
import type { RawCluster } from '../src/core/cluster/state';

export interface Size {
  services: number;
  tasks: number;
  nodes: number;
  networks: number;
}

export function syntheticCluster(size: Size): RawCluster {
  const id = (prefix: string, i: number) => `${prefix}${i.toString(36).padStart(24, '0')}`;
  const nodes = Array.from({ length: size.nodes }, (_, i) => ({
    ID: id('n', i),
    Spec: { Role: i < 3 ? 'manager' : 'worker', Availability: 'active', Labels: {} },
    Description: { Hostname: `node${i + 1}`, Engine: { EngineVersion: '28.5.2' } },
    Status: { State: 'ready', Addr: `10.99.${Math.floor(i / 250)}.${(i % 250) + 1}` },
    ...(i < 3 ? { ManagerStatus: { Leader: i === 0, Reachability: 'reachable', Addr: `10.99.0.${i + 1}:2377` } } : {}),
  }));
  const networks = [
    { Name: 'ingress', Id: id('i', 0), Scope: 'swarm', Driver: 'overlay', Ingress: true, Attachable: false, IPAM: { Config: [{ Subnet: '10.255.0.0/16', Gateway: '10.255.0.1' }] }, Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4096' } },
    ...Array.from({ length: size.networks }, (_, i) => ({
      Name: `net${i + 1}`, Id: id('w', i), Scope: 'swarm', Driver: 'overlay', Ingress: false, Attachable: true,
      IPAM: { Config: [{ Subnet: `10.${i + 1}.0.0/16`, Gateway: `10.${i + 1}.0.1` }] },
      Options: { 'com.docker.network.driver.overlay.vxlanid_list': String(4097 + i) },
    })),
    { Name: 'bridge', Id: 'bridge0', Scope: 'local', Driver: 'bridge' },
  ];
  const perService = Math.ceil(size.tasks / size.services);
  const services = [];
  const tasks = [];
  const verbose: Record<string, { Name: string; Id: string; Containers: Record<string, unknown>; Services: Record<string, unknown> }> = {};
  for (const n of networks.filter((n) => n.Scope === 'swarm')) verbose[n.Id] = { ...n, Containers: { [`lb-${n.Name}`]: { Name: `${n.Name}-endpoint`, IPv4Address: `${n.IPAM!.Config[0].Gateway.replace(/\.1$/, '.2')}/16` } }, Services: {} };
  let taskCount = 0;
  for (let s = 0; s < size.services; s++) {
    const net = networks[1 + (s % size.networks)];
    const netIndex = 1 + (s % size.networks);
    const dnsrr = s % 10 === 9;
    const vip = `10.${netIndex}.${Math.floor(s / 200) + 1}.${(s % 200) + 2}`;
    const name = `svc${s}`;
    services.push({
      ID: id('s', s),
      Spec: {
        Name: name,
        Labels: s % 3 === 0 ? { 'com.docker.stack.namespace': `stack${s % 30}` } : {},
        TaskTemplate: { ContainerSpec: { Image: 'example/app:1@sha256:' + 'a'.repeat(64) }, Networks: [{ Target: net.Id }] },
        Mode: { Replicated: { Replicas: perService } },
        EndpointSpec: { Mode: dnsrr ? 'dnsrr' : 'vip' },
      },
      Endpoint: dnsrr ? { Spec: { Mode: 'dnsrr' } } : { Spec: { Mode: 'vip' }, VirtualIPs: [{ NetworkID: net.Id, Addr: `${vip}/16` }] },
      ServiceStatus: { RunningTasks: perService, DesiredTasks: perService },
    });
    const entry = { VIP: dnsrr ? '<nil>' : vip, Ports: [], LocalLBIndex: 256 + s, Tasks: [] as unknown[] };
    for (let slot = 1; slot <= perService && taskCount < size.tasks; slot++, taskCount++) {
      const address = `10.${netIndex}.${100 + Math.floor(taskCount / 250) % 150}.${(taskCount % 250) + 2}`;
      const node = nodes[taskCount % size.nodes];
      tasks.push({
        ID: id('t', taskCount),
        ServiceID: id('s', s),
        Slot: slot,
        NodeID: node.ID,
        DesiredState: 'running',
        Status: { State: 'running', Message: 'started', ContainerStatus: { ContainerID: 'c'.repeat(52) + taskCount.toString(16).padStart(12, '0'), PID: 100 + taskCount } },
        NetworksAttachments: [{ Network: { ID: net.Id, Spec: { Name: net.Name } }, Addresses: [`${address}/16`] }],
        UpdatedAt: '2026-11-26T10:00:00Z',
      });
      entry.Tasks.push({ Name: `${name}.${slot}.${id('t', taskCount)}`, EndpointIP: address, Info: { 'Host IP': node.Status.Addr } });
    }
    verbose[net.Id].Services[name] = entry;
  }
  const info = {
    Name: 'node1', ServerVersion: '28.5.2', OperatingSystem: 'Debian GNU/Linux 12', KernelVersion: '6.1.0',
    Swarm: { NodeID: nodes[0].ID, NodeAddr: nodes[0].Status.Addr, LocalNodeState: 'active', ControlAvailable: true, Cluster: { ID: 'cluster0' } },
  };
  return { info, version: { ApiVersion: '1.51' }, services, tasks, nodes, networks, verboseNetworks: verbose };
}
