// The cluster as Swarm Lens sees it: plain data built from one round of Engine API reads.

/** A firewall mark as iptables writes it (0x103) and as IPVS writes it (FWM 259). */
export interface FirewallMark {
  decimal: number;
  hex: string;
}

export type EndpointMode = 'vip' | 'dnsrr';
export type ServiceMode = 'replicated' | 'global' | 'replicated-job' | 'global-job' | 'unknown';

export interface PublishedPort {
  protocol: string;
  targetPort: number;
  publishedPort?: number;
  publishMode: 'ingress' | 'host';
}

export interface ServiceVip {
  networkId: string;
  networkName: string;
  address: string;
  prefixLength?: number;
  /** LocalLBIndex on the node that answered; other nodes use other marks. */
  mark?: FirewallMark;
}

export interface Service {
  id: string;
  name: string;
  stack?: string;
  image: string;
  mode: ServiceMode;
  endpointMode: EndpointMode;
  running: number;
  /** Desired task count; undefined for global services on engines that do not report it. */
  desired?: number;
  ports: PublishedPort[];
  vips: ServiceVip[];
  /** Networks the service is attached to (ids), from its spec. */
  networkIds: string[];
  labels: Record<string, string>;
  updateState?: string;
}

export interface TaskAddress {
  networkId: string;
  networkName: string;
  address: string;
  prefixLength?: number;
}

export interface Task {
  id: string;
  serviceId: string;
  serviceName: string;
  /** As `docker service ps` prints it: vote.1, or vote.<node id> for global services. */
  name: string;
  slot?: number;
  nodeId: string;
  nodeName: string;
  desiredState: string;
  state: string;
  message: string;
  error?: string;
  containerId?: string;
  addresses: TaskAddress[];
  updatedAt?: string;
}

export interface SwarmNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker' | string;
  leader: boolean;
  availability: string;
  state: string;
  engineVersion: string;
  address: string;
  /** The node whose engine answered. */
  self: boolean;
}

export interface NetworkServiceEntry {
  serviceName: string;
  vip?: string;
  mark?: FirewallMark;
  ports: string[];
  tasks: { name: string; endpointIp: string; hostIp?: string }[];
}

export interface Network {
  id: string;
  name: string;
  driver: string;
  scope: string;
  attachable: boolean;
  ingress: boolean;
  internal: boolean;
  subnet?: string;
  gateway?: string;
  vxlanId?: number;
  /** The `lb-<net>` sandbox's address on this node (18.06+), or `ingress-sbox` on ingress. */
  lbEndpoint?: { name: string; address: string };
  /** From the verbose inspect of this node; empty when it was not read. */
  services: NetworkServiceEntry[];
}

export interface EngineSummary {
  serverVersion: string;
  apiVersion?: string;
  os: string;
  kernel: string;
  nodeId: string;
  nodeName: string;
  nodeAddress: string;
  role: 'manager' | 'worker' | 'none';
  clusterId?: string;
}
