// Which task answered: a load-balancer sandbox's IPVS connection table with each end named as
// its task and the virtual address as its service, plus the sandbox's IPVS timeouts and sysctls.
// Pure, like the join: the same outputs always give the same steps.
import type { Cluster } from '../cluster/cluster';
import { parseIpvsConnections, parseIpvsSysctls, parseIpvsTimeouts, type IpvsConnection, type IpvsEndpoint } from '../parse';
import type { SandboxDump } from '../netns/script';
import { taskRef } from './taskRef';
import type { ConnectionEnd, ConnectionStep, SandboxRead } from './types';

function end(cluster: Cluster, e: IpvsEndpoint): ConnectionEnd {
  const owner = cluster.ownersOf(e.address).find((o) => o.kind === 'task');
  return { address: e.address, port: e.port, ...(owner?.kind === 'task' ? { task: taskRef(owner.task) } : {}) };
}

export function connectionStep(cluster: Cluster, c: IpvsConnection): ConnectionStep {
  const backend = end(cluster, c.backend);
  const vip = cluster.ownersOf(c.virtual.address).find((o) => o.kind === 'vip');
  // In ingress_sbox the virtual address is the sandbox's own: the backend's task says whose it is.
  const service = vip?.kind === 'vip' ? vip.service.name : backend.task?.service;
  return {
    protocol: c.protocol,
    state: c.state,
    expiresInSeconds: c.expiresInSeconds,
    client: end(cluster, c.client),
    virtual: { address: c.virtual.address, port: c.virtual.port, ...(service ? { service } : {}) },
    backend,
  };
}

/** What a full read of a load-balancer sandbox adds to its SandboxRead; nothing for other reads. */
export function sandboxTraffic(cluster: Cluster, dump: SandboxDump): Pick<SandboxRead, 'connections' | 'timeouts' | 'sysctls'> {
  const s = dump.sections;
  const out: Pick<SandboxRead, 'connections' | 'timeouts' | 'sysctls'> = {};
  const table = s['ipvsadm-lnc'] && parseIpvsConnections(s['ipvsadm-lnc'].output);
  // An unrecognised answer (no IPVS, no ipvsadm) is "not read", never an empty table.
  if (table?.recognised) out.connections = table.connections.map((c) => connectionStep(cluster, c));
  if (s['ipvsadm-timeout']) out.timeouts = parseIpvsTimeouts(s['ipvsadm-timeout'].output);
  if (s['ipvs-sysctls']) out.sysctls = parseIpvsSysctls(s['ipvs-sysctls'].output);
  return out;
}
