// Raw Engine API payloads -> ClusterState. Pure: no I/O, so it runs the same on a live engine,
// a bundle (a saved snapshot file) and a benchmark replay.
import { badResponse } from '../docker/errors';
import { firewallMark } from './marks';
import { arr, at, bool, Json, num, obj, splitCidr, str, strMap } from './read';
import type { EngineSummary, EndpointMode, Network, NetworkServiceEntry, PublishedPort, Service, ServiceMode, SwarmNode, Task, TaskAddress } from './types';
import { compareText } from './order';

/** The answers of one refresh: /info, /services, /tasks, /nodes, /networks and one verbose inspect per swarm network. */
export interface RawCluster {
  info: Json;
  version?: Json;
  services: Json;
  tasks: Json;
  nodes: Json;
  networks: Json;
  /** Network id -> answer of GET /networks/{id}?verbose=true. */
  verboseNetworks: Record<string, Json>;
}

export interface ClusterState {
  engine: EngineSummary;
  services: Service[];
  /** Tasks that are meant to exist (desired state not shutdown), the ones `docker service ps` shows first. */
  tasks: Task[];
  nodes: SwarmNode[];
  networks: Network[];
  /** What was skipped while reading, for the log: malformed items never stop a read. */
  warnings: string[];
}

export const STACK_LABEL = 'com.docker.stack.namespace';

export function buildClusterState(raw: RawCluster): ClusterState {
  const warnings: string[] = [];
  const engine = readEngine(raw.info, raw.version);
  const nodes = list(raw.nodes, 'GET /nodes').flatMap((n) => keep(readNode(n, engine.nodeId), warnings, 'node'));
  const nodeNames = new Map(nodes.map((n) => [n.id, n.hostname]));
  const networks = list(raw.networks, 'GET /networks')
    .filter((n) => str(n, 'Scope') === 'swarm')
    .flatMap((n) => keep(readNetwork(n, raw.verboseNetworks[str(n, 'Id') ?? '']), warnings, 'network'));
  const networkById = new Map(networks.map((n) => [n.id, n]));

  const allTasks = list(raw.tasks, 'GET /tasks');
  const rawServices = list(raw.services, 'GET /services');
  const serviceNames = new Map<string, string>();
  for (const s of rawServices) {
    const id = str(s, 'ID');
    const name = str(s, 'Spec', 'Name');
    if (id && name) serviceNames.set(id, name);
  }
  const tasks = allTasks
    .filter((t) => !['shutdown', 'remove', 'orphaned'].includes(str(t, 'DesiredState') ?? ''))
    .flatMap((t) => keep(readTask(t, serviceNames, nodeNames, networkById), warnings, 'task'))
    .sort(compareTasks);

  const tasksByService = new Map<string, Task[]>();
  for (const t of tasks) {
    const list = tasksByService.get(t.serviceId);
    if (list) list.push(t);
    else tasksByService.set(t.serviceId, [t]);
  }
  const services = rawServices
    .flatMap((s) => keep(readService(s, tasksByService, networkById), warnings, 'service'))
    .sort((a, b) => compareText((a.stack ?? ''), b.stack ?? '') || compareText(a.name, b.name));

  return { engine, services, tasks, nodes, networks, warnings };
}

function list(value: Json, what: string): Json[] {
  if (!Array.isArray(value)) throw badResponse(what, value === null || value === undefined ? 'no body' : `expected a list, got ${typeof value}`);
  return value;
}

function keep<T>(item: T | string, warnings: string[], kind: string): T[] {
  if (typeof item === 'string') {
    warnings.push(`skipped a ${kind}: ${item}`);
    return [];
  }
  return [item];
}

function readEngine(info: Json, version?: Json): EngineSummary {
  if (!obj(info)) throw badResponse('GET /info', 'expected an object');
  const state = str(info, 'Swarm', 'LocalNodeState') ?? 'inactive';
  return {
    serverVersion: str(info, 'ServerVersion') ?? 'unknown',
    apiVersion: str(version, 'ApiVersion'),
    os: str(info, 'OperatingSystem') ?? '',
    kernel: str(info, 'KernelVersion') ?? '',
    nodeId: str(info, 'Swarm', 'NodeID') ?? '',
    nodeName: str(info, 'Name') ?? '',
    nodeAddress: str(info, 'Swarm', 'NodeAddr') ?? '',
    role: state !== 'active' ? 'none' : bool(info, 'Swarm', 'ControlAvailable') ? 'manager' : 'worker',
    clusterId: str(info, 'Swarm', 'Cluster', 'ID'),
  };
}

/** The swarm state an /info answer reports: `active`, `inactive`, `pending`, `error`, `locked`. */
export function swarmState(info: Json): string {
  return str(info, 'Swarm', 'LocalNodeState') ?? 'inactive';
}

function readNode(n: Json, selfId: string): SwarmNode | string {
  const id = str(n, 'ID');
  if (!id) return 'no ID';
  return {
    id,
    hostname: str(n, 'Description', 'Hostname') ?? id.slice(0, 12),
    role: str(n, 'Spec', 'Role') ?? 'unknown',
    leader: bool(n, 'ManagerStatus', 'Leader'),
    availability: str(n, 'Spec', 'Availability') ?? 'unknown',
    state: str(n, 'Status', 'State') ?? 'unknown',
    engineVersion: str(n, 'Description', 'Engine', 'EngineVersion') ?? '',
    address: str(n, 'Status', 'Addr') ?? '',
    self: id === selfId,
  };
}

function readNetwork(n: Json, verbose: Json): Network | string {
  const id = str(n, 'Id');
  const name = str(n, 'Name');
  if (!id || !name) return 'no Id or Name';
  const config = obj(arr(n, 'IPAM', 'Config')[0]);
  const vxlan = Number((str(n, 'Options', 'com.docker.network.driver.overlay.vxlanid_list') ?? '').split(',')[0]);
  const network: Network = {
    id,
    name,
    driver: str(n, 'Driver') ?? '',
    scope: str(n, 'Scope') ?? '',
    attachable: bool(n, 'Attachable'),
    ingress: bool(n, 'Ingress'),
    internal: bool(n, 'Internal'),
    subnet: str(config, 'Subnet'),
    gateway: str(config, 'Gateway'),
    vxlanId: Number.isInteger(vxlan) && vxlan > 0 ? vxlan : undefined,
    services: [],
  };
  if (obj(verbose)) {
    for (const [key, c] of Object.entries(obj(at(verbose, 'Containers')) ?? {})) {
      if (key.startsWith('lb-') || key === 'ingress-sbox') {
        const address = splitCidr(str(c, 'IPv4Address'))?.address;
        if (address) network.lbEndpoint = { name: str(c, 'Name') ?? key, address };
      }
    }
    network.services = readNetworkServices(verbose);
  }
  return network;
}

/** The services of a verbose network inspect as the answering node sees them (its NetworkDB, its marks). */
export function readNetworkServices(verbose: Json): NetworkServiceEntry[] {
  const services: NetworkServiceEntry[] = [];
  for (const [serviceName, s] of Object.entries(obj(at(verbose, 'Services')) ?? {})) {
    // 20.10 lists a nameless entry with VIP <nil> on ingress; it is no service.
    if (serviceName) services.push(readNetworkService(serviceName, s));
  }
  return services.sort((a, b) => compareText(a.serviceName, b.serviceName));
}

function readNetworkService(serviceName: string, s: Json): NetworkServiceEntry {
  // dnsrr services report VIP "<nil>" (engines up to 28) or "".
  const vip = splitCidr(str(s, 'VIP'))?.address;
  const tasks: NetworkServiceEntry['tasks'] = [];
  for (const t of arr(s, 'Tasks')) {
    const endpointIp = str(t, 'EndpointIP');
    const name = str(t, 'Name');
    if (endpointIp && name) tasks.push({ name, endpointIp, hostIp: str(t, 'Info', 'Host IP') });
  }
  return {
    serviceName,
    vip,
    mark: vip ? firewallMark(num(s, 'LocalLBIndex')) : undefined,
    ports: arr(s, 'Ports').filter((p): p is string => typeof p === 'string'),
    tasks,
  };
}

function readTask(t: Json, serviceNames: Map<string, string>, nodeNames: Map<string, string>, networks: Map<string, Network>): Task | string {
  const id = str(t, 'ID');
  const serviceId = str(t, 'ServiceID');
  if (!id || !serviceId) return 'no ID or ServiceID';
  const serviceName = serviceNames.get(serviceId) ?? serviceId.slice(0, 12);
  const slot = num(t, 'Slot');
  const nodeId = str(t, 'NodeID') ?? '';
  return {
    id,
    serviceId,
    serviceName,
    name: slot !== undefined && slot > 0 ? `${serviceName}.${slot}` : `${serviceName}.${nodeId || id.slice(0, 12)}`,
    slot,
    nodeId,
    nodeName: nodeNames.get(nodeId) ?? (nodeId ? nodeId.slice(0, 12) : 'unassigned'),
    desiredState: str(t, 'DesiredState') ?? 'unknown',
    state: str(t, 'Status', 'State') ?? 'unknown',
    message: str(t, 'Status', 'Message') ?? '',
    error: str(t, 'Status', 'Err') || undefined,
    containerId: str(t, 'Status', 'ContainerStatus', 'ContainerID') || undefined,
    addresses: readTaskAddresses(t, networks),
    updatedAt: str(t, 'UpdatedAt'),
  };
}

function readTaskAddresses(t: Json, networks: Map<string, Network>): TaskAddress[] {
  const addresses: TaskAddress[] = [];
  for (const a of arr(t, 'NetworksAttachments')) {
    const networkId = str(a, 'Network', 'ID') ?? '';
    const networkName = str(a, 'Network', 'Spec', 'Name') ?? networks.get(networkId)?.name ?? networkId.slice(0, 12);
    for (const addr of arr(a, 'Addresses')) {
      const cidr = typeof addr === 'string' ? splitCidr(addr) : undefined;
      if (cidr) addresses.push({ networkId, networkName, address: cidr.address, prefixLength: cidr.prefixLength });
    }
  }
  return addresses;
}

function readService(s: Json, tasksByService: Map<string, Task[]>, networks: Map<string, Network>): Service | string {
  const id = str(s, 'ID');
  const name = str(s, 'Spec', 'Name');
  if (!id || !name) return 'no ID or Spec.Name';
  const labels = strMap(s, 'Spec', 'Labels');
  const modeSpec = obj(at(s, 'Spec', 'Mode')) ?? {};
  const mode: ServiceMode = 'Replicated' in modeSpec ? 'replicated' : 'Global' in modeSpec ? 'global' : 'ReplicatedJob' in modeSpec ? 'replicated-job' : 'GlobalJob' in modeSpec ? 'global-job' : 'unknown';
  const own = tasksByService.get(id) ?? [];
  const running = own.filter((t) => t.state === 'running').length;
  const desired = num(s, 'ServiceStatus', 'DesiredTasks') ?? (mode === 'replicated' ? num(s, 'Spec', 'Mode', 'Replicated', 'Replicas') : undefined) ?? (mode === 'global' ? own.length : undefined);
  const endpointMode: EndpointMode = str(s, 'Spec', 'EndpointSpec', 'Mode') === 'dnsrr' ? 'dnsrr' : 'vip';
  const portsJson = arr(s, 'Endpoint', 'Ports').length ? arr(s, 'Endpoint', 'Ports') : arr(s, 'Spec', 'EndpointSpec', 'Ports');
  const ports: PublishedPort[] = portsJson.flatMap((p) => {
    const targetPort = num(p, 'TargetPort');
    if (targetPort === undefined) return [];
    return [{ protocol: str(p, 'Protocol') ?? 'tcp', targetPort, publishedPort: num(p, 'PublishedPort'), publishMode: str(p, 'PublishMode') === 'host' ? 'host' : 'ingress' }];
  });
  const vips = arr(s, 'Endpoint', 'VirtualIPs').flatMap((v) => {
    const networkId = str(v, 'NetworkID') ?? '';
    const cidr = splitCidr(str(v, 'Addr'));
    if (!cidr) return [];
    const network = networks.get(networkId);
    const entry = network?.services.find((e) => e.serviceName === name);
    return [{ networkId, networkName: network?.name ?? networkId.slice(0, 12), address: cidr.address, prefixLength: cidr.prefixLength, mark: entry?.vip === cidr.address ? entry.mark : undefined }];
  });
  const networkIds = (arr(s, 'Spec', 'TaskTemplate', 'Networks').length ? arr(s, 'Spec', 'TaskTemplate', 'Networks') : arr(s, 'Spec', 'Networks'))
    .map((n) => str(n, 'Target'))
    .filter((n): n is string => !!n);
  return {
    id,
    name,
    stack: labels[STACK_LABEL] || undefined,
    image: (str(s, 'Spec', 'TaskTemplate', 'ContainerSpec', 'Image') ?? '').replace(/@sha256:[0-9a-f]+$/, ''),
    mode,
    endpointMode,
    running,
    desired,
    ports,
    vips,
    networkIds,
    labels,
    updateState: str(s, 'UpdateStatus', 'State'),
  };
}

function compareTasks(a: Task, b: Task): number {
  return compareText(a.serviceName, b.serviceName) || (a.slot ?? 0) - (b.slot ?? 0) || compareText(a.name, b.name);
}

/** `*:8080->80/tcp` as `docker service ls` prints it; host mode shows the node's port too. */
export function formatPort(p: PublishedPort): string {
  return p.publishedPort ? `*:${p.publishedPort}->${p.targetPort}/${p.protocol}${p.publishMode === 'host' ? ' (host)' : ''}` : `${p.targetPort}/${p.protocol}`;
}
