// What is wrong, in plain words, with the lines that show it and what to do. Each check is one
// small function over the joined trace; the faults are the ones users report (moby #25325,
// #30464, #33790, #26060, #29529, #28836, #35548, #41896, #33287, libnetwork#2263).
import type { Cluster } from '../cluster/cluster';
import type { Service } from '../cluster/types';
import * as path from 'node:path';
import { lbSandboxName, type ParsedSandbox, UNREAD_FIX, unreadSentence } from './sandbox';
import type { Finding, IpvsStep, Trace } from './types';

export interface FindingInput {
  trace: Trace;
  cluster: Cluster;
  service?: Service;
  sandboxes: ParsedSandbox[];
  recheck?: ParsedSandbox[];
}

const ORDER = { error: 0, warning: 1, info: 2 } as const;

export function findingsFor(input: FindingInput): Finding[] {
  const checks = [sandboxUnreadable, outputUnread, ipvsMissing, lbSandboxMissing, vipMarks, ipvsWithoutMark, backends, sharedBackends, dnsAnswers, dnsrrCaveat, mesh, meshSnat, idleTimeout, legacyLayout, noSource];
  return checks.flatMap((check) => check(input)).sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

function sandboxUnreadable({ trace, sandboxes }: FindingInput): Finding[] {
  return sandboxes
    .filter((s) => s.readError)
    .map((s) => ({
      id: 'sandbox-unreadable' as const,
      severity: 'error' as const,
      title: `${s.name} on ${trace.node} could not be read, so what it holds is unknown: the findings below may be incomplete.`,
      evidence: [`${s.dump.sections['iptables-save']?.command}: ${s.readError}`],
      fix: `Run Swarm Lens as root on ${trace.node}, or let it use a helper container (swarmLens.trace.probe = helper) whose image has nsenter, iptables-save, ipvsadm, ip and dig.`,
    }));
}

/** Lines of the probe's own outputs that no reader understood: what they hold is missing from the trace. */
function outputUnread({ trace, sandboxes }: FindingInput): Finding[] {
  return sandboxes
    .filter((s) => s.unread.length > 0)
    .map((s) => ({ id: 'output-unread' as const, severity: 'warning' as const, title: unreadSentence(s, trace.node), evidence: s.unread.map((u) => u.command), fix: UNREAD_FIX }));
}

/** Does IPVS matter for what is traced? Not for a dnsrr service: its names resolve to tasks. */
function usesIpvs({ trace, service }: FindingInput): boolean {
  return trace.kind !== 'service' || service?.endpointMode === 'vip';
}

function ipvsMissing(input: FindingInput): Finding[] {
  const broken = input.sandboxes.filter((s) => s.read.ipvsAvailable === false);
  if (broken.length === 0 || !usesIpvs(input)) return [];
  const { trace } = input;
  const unmarked = trace.vips.filter((v) => !v.mark).map((v) => `no MARK rule for VIP ${v.address} on ${v.network} in any sandbox read`);
  return [
    {
      id: 'ipvs-missing',
      severity: 'error',
      title: `IPVS is missing from ${trace.node}'s kernel: VIPs${trace.kind === 'mesh' ? ' and the routing mesh' : ''} cannot work on that node, while DNS and dnsrr services still do.`,
      evidence: [...broken.map((s) => `${s.name}: ${s.ipvsError}`), ...unmarked],
      fix: `Load IPVS on ${trace.node} (modprobe ip_vs ip_vs_rr; a kernel built with CONFIG_IP_VS), then restart dockerd so it programs the VIPs; dockerd logs "Could not get ipvs family information" when this is the cause. Until then, --endpoint-mode dnsrr avoids IPVS.`,
    },
  ];
}

function lbSandboxMissing({ trace, service, sandboxes }: FindingInput): Finding[] {
  // Engines before 18.06 have no lb_ sandboxes at all: their absence is the layout, not a fault.
  if (!service || trace.kind === 'mesh' || trace.layout === 'legacy') return [];
  return service.vips.flatMap((vip) => {
    const sandbox = sandboxes.find((s) => s.name === lbSandboxName(vip.networkId));
    if (!sandbox || sandbox.read.present) return [];
    return [
      {
        id: 'lb-sandbox-missing' as const,
        severity: 'warning' as const,
        title: `${trace.node} has no load-balancer sandbox for ${vip.networkName}: it holds no VIP rules for that network.`,
        evidence: [`${sandbox.dump.sections['iptables-save']?.command}: ${sandbox.dump.sections['iptables-save']?.output.split('\n')[0] ?? ''}`],
        fix: `Engines 18.06 and later create ${sandbox.name} when the node joins ${vip.networkName} (a task or attached container there). If tasks on ${trace.node} use that network, restart dockerd there; on older engines the rules live in each container instead.`,
      },
    ];
  });
}

function vipMarks(input: FindingInput): Finding[] {
  const { trace } = input;
  if (trace.kind !== 'service' || input.service?.endpointMode !== 'vip') return [];
  const ipvsBroken = input.sandboxes.some((s) => s.read.ipvsAvailable === false);
  return trace.vips.flatMap((vip): Finding[] => {
    const sandbox = input.sandboxes.find((s) => s.name === lbSandboxName(input.service!.vips.find((v) => v.address === vip.address)?.networkId ?? ''));
    if (!vip.mark) {
      // Without IPVS dockerd skips the marks on purpose: the ipvs-missing finding says so already.
      if (ipvsBroken || (sandbox && !sandbox.read.present)) return [];
      return [
        {
          id: 'vip-no-mark',
          severity: 'error',
          title: `No iptables rule marks traffic to ${vip.address} (VIP of ${trace.service?.name} on ${vip.network}): connections to the VIP are not load balanced.`,
          evidence: [`mangle rules read: ${trace.marks.map((m) => m.rule).join(' | ') || 'none'}`],
          fix: `Check dockerd's log on ${trace.node} for errors programming the service; "docker service update --force ${trace.service?.name}" makes it program the rules again.`,
        },
      ];
    }
    const found: Finding[] = [];
    if (!vip.ipvs && !ipvsBroken) {
      found.push({
        id: 'mark-no-ipvs',
        severity: 'error',
        title: `${vip.address} is marked ${vip.mark.hex} (${vip.mark.mark}) but IPVS has no FWM ${vip.mark.mark} service in ${vip.mark.sandbox}: marked packets go nowhere.`,
        evidence: [vip.mark.rule, `IPVS services there: ${trace.ipvs.filter((v) => v.sandbox === vip.mark!.sandbox).map((v) => `FWM ${v.fwmark}`).join(', ') || 'none'}`],
        fix: `Restart the tasks' load balancing with "docker service update --force ${trace.service?.name}"; if it comes back, the node's IPVS table is out of sync (moby #30464): restart dockerd on ${trace.node}.`,
      });
    }
    if (vip.lbIndex !== null && vip.lbIndex !== vip.mark.mark) {
      found.push({
        id: 'mark-differs-lbindex',
        severity: 'warning',
        title: `The rule for ${vip.address} sets mark ${vip.mark.mark} but the engine's LocalLBIndex for ${trace.service?.name} on ${vip.network} is ${vip.lbIndex}.`,
        evidence: [vip.mark.rule, `docker network inspect --verbose ${vip.network}: LocalLBIndex ${vip.lbIndex}`],
        fix: `A leftover rule from an earlier service with the same VIP can shadow the right one; "docker service update --force ${trace.service?.name}" or a dockerd restart on ${trace.node} rewrites them.`,
      });
    }
    return found;
  });
}

function ipvsWithoutMark({ trace, sandboxes }: FindingInput): Finding[] {
  const marked = new Set(trace.marks.map((m) => `${m.sandbox}/${m.mark}`));
  return trace.ipvs
    .filter((v) => v.fwmark !== null && !marked.has(`${v.sandbox}/${v.fwmark}`) && sandboxes.find((s) => s.name === v.sandbox)?.rules.length)
    .map((v) => ({
      id: 'ipvs-no-mark' as const,
      severity: 'warning' as const,
      title: `IPVS in ${v.sandbox} has FWM ${v.fwmark} (${v.hex}) but no iptables rule sets that mark: a leftover of a removed service, or a rule that was lost.`,
      evidence: [`FWM ${v.fwmark} ${v.scheduler ?? ''} -> ${v.backends.map((b) => b.address ?? b.host).join(', ') || 'no backends'}`],
      fix: `Harmless when no VIP uses it; if a service should own it, "docker service update --force <service>" programs the rule again.`,
    }));
}

/** The IPVS pools this trace is about: the traced service's VIPs, or the routing mesh's port. */
function relevantPools(trace: Trace): { pool: IpvsStep; network?: string; what: string }[] {
  const pools: { pool: IpvsStep; network?: string; what: string }[] = [];
  for (const v of trace.vips) if (v.ipvs) pools.push({ pool: v.ipvs, network: v.network, what: `VIP ${v.address}` });
  for (const m of trace.mesh) if (m.ipvs) pools.push({ pool: m.ipvs, network: 'ingress', what: `port ${m.port}/${m.protocol}` });
  return pools;
}

function backends({ trace, cluster, service, recheck }: FindingInput): Finding[] {
  const meshService = trace.kind === 'mesh' ? cluster.services.find((s) => s.ports.some((p) => p.publishedPort === trace.port?.port && p.publishMode === 'ingress')) : undefined;
  const owner = service ?? meshService;
  if (!owner) return [];
  const found: Finding[] = [];
  for (const { pool, network, what } of relevantPools(trace)) {
    const inPool = new Set(pool.backends.map((b) => b.address));
    for (const b of pool.backends) {
      const label = b.address ?? b.host ?? '?';
      if (!b.task || b.task.service !== owner.name || b.task.state !== 'running') {
        found.push({
          id: 'stale-backend',
          severity: 'error',
          title: `IPVS sends ${what} traffic to ${label}, which is no running task of ${owner.name}: those connections fail or reach the wrong container.`,
          evidence: [`FWM ${pool.fwmark} in ${pool.sandbox}: -> ${label} weight ${b.weight ?? '?'}${b.task ? ` (${b.task.name}, ${b.task.state})` : ' (no task has this address)'}`],
          fix: `"docker service update --force ${owner.name}" rebuilds the pool; if stale entries keep coming back, restart dockerd on ${trace.node} (moby #30464, #35548).`,
        });
      } else if (b.weight === 0) {
        const again = recheck?.flatMap((s) => s.ipvs).find((v) => v.fwmark === pool.fwmark)?.backends.find((x) => x.address === b.address);
        if (!recheck || again?.weight === 0) {
          found.push({
            id: 'weight-zero',
            severity: recheck ? 'error' : 'warning',
            title: `${b.task.name} stays at weight 0 in FWM ${pool.fwmark}${recheck ? ' after a recheck' : ''}: IPVS sends it no new connections.`,
            evidence: [`-> ${label} weight 0 (${b.task.name} is ${b.task.state})`],
            fix: `Weight 0 is normal for about 2 s while a task stops; a running task that keeps it is a known fault (moby #33790): "docker service update --force ${owner.name}".`,
          });
        }
      }
    }
    for (const task of cluster.tasksOf(owner.id)) {
      if (task.state !== 'running') continue;
      const address = task.addresses.find((a) => a.networkName === network)?.address;
      if (address && !inPool.has(address)) {
        found.push({
          id: 'missing-backend',
          severity: 'error',
          title: `${task.name} (${address} on ${task.nodeName}) is running but not in the IPVS pool of ${what}: it gets no load-balanced traffic from ${trace.node}.`,
          evidence: [`FWM ${pool.fwmark} backends: ${[...inPool].join(', ') || 'none'}`],
          fix: `Check that ${task.nodeName} and ${trace.node} see each other on the overlay (ports 7946 tcp/udp and 4789 udp); "docker service update --force ${owner.name}" re-announces the task (moby #26060, #29529).`,
        });
      }
    }
  }
  return found;
}

function sharedBackends({ trace }: FindingInput): Finding[] {
  const pools = new Map<string, Set<number>>();
  for (const v of trace.ipvs) {
    if (v.fwmark === null) continue;
    for (const b of v.backends) {
      if (!b.address) continue;
      const key = `${v.sandbox}/${b.address}`;
      if (!pools.has(key)) pools.set(key, new Set());
      pools.get(key)!.add(v.fwmark);
    }
  }
  return [...pools.entries()]
    .filter(([, marks]) => marks.size > 1)
    .map(([key, marks]) => {
      const [sandbox, address] = key.split('/');
      return {
        id: 'shared-backend' as const,
        severity: 'error' as const,
        title: `${address} is a backend of several IPVS services in ${sandbox} (FWM ${[...marks].join(', ')}): traffic for one service reaches another.`,
        evidence: [...marks].map((m) => `FWM ${m} -> ${address}`),
        fix: `An address reused before the old pool entry was removed (moby #30464): "docker service update --force" on the services involved, or restart dockerd on the node.`,
      };
    });
}

function dnsAnswers({ trace, service }: FindingInput): Finding[] {
  return trace.dns.flatMap((d): Finding[] => {
    const got = d.answers.map((a) => a.address).sort();
    const expected = [...d.expected].sort();
    if (d.status !== 'NOERROR' || got.length === 0) {
      if (expected.length === 0) return [];
      return [
        {
          id: 'dns-failed',
          severity: 'error',
          title: `The embedded DNS did not answer ${d.query} (${d.status}) from ${trace.source?.name ?? 'the source container'}: clients cannot find the service by name.`,
          evidence: [`${d.command} -> ${d.status}`],
          fix: `Check that the container is on a network the service uses, and that dockerd on ${trace.node} is healthy; stopping and unhealthy tasks leave DNS on purpose.`,
        },
      ];
    }
    if (JSON.stringify(got) === JSON.stringify(expected)) return [];
    const isVip = !d.query.startsWith('tasks.') && service?.endpointMode === 'vip';
    return [
      {
        id: 'dns-mismatch',
        severity: 'error',
        title: `DNS answers ${d.query} with ${got.join(', ')} but the cluster expects ${expected.join(', ') || 'nothing'}${isVip ? ' (the VIP)' : ' (the running tasks)'}: clients are sent to the wrong place.`,
        evidence: [`${d.command} -> ${got.join(', ')}`, ...d.answers.map((a) => `${a.address}: ${a.owner.kind === 'task' ? `${a.owner.task.name} (${a.owner.task.state})` : a.owner.kind === 'vip' ? `VIP of ${a.owner.service}` : 'no service or task has it'}`)],
        fix: `Stale DNS entries come from tasks the node still believes in (moby #28836, libnetwork#2263): "docker service update --force ${service?.name ?? '<service>'}"; if they stay, restart dockerd on ${trace.node}.`,
      },
    ];
  });
}

function dnsrrCaveat({ trace, service }: FindingInput): Finding[] {
  if (service?.endpointMode !== 'dnsrr' || trace.kind !== 'service') return [];
  return [
    {
      id: 'dnsrr-caveat',
      severity: 'info',
      title: `${service.name} uses DNS round robin: each lookup returns the task IPs in a new order, with no IPVS in between.`,
      evidence: trace.dns.filter((d) => d.answers.length).map((d) => `${d.query} -> ${d.answers.map((a) => a.address).join(', ')}`),
      fix: `Clients that cache DNS (the TTL is 600 s; JVMs and nginx cache longer) keep using one task; resolve per connection, or use the default vip mode for balancing per connection.`,
    },
  ];
}

function mesh({ trace, sandboxes }: FindingInput): Finding[] {
  // "Could not read" is never "not programmed": on a node without IPVS the two look alike.
  const unread = sandboxes.filter((s) => (s.read.kind === 'host' || s.read.kind === 'ingress') && (!s.read.present || s.readError));
  return trace.mesh.flatMap((m): Finding[] => {
    const found: Finding[] = [];
    if (unread.length) {
      found.push({
        id: 'mesh-unreadable',
        severity: 'warning',
        title: `Whether the routing mesh is programmed on ${m.node} for port ${m.port}/${m.protocol} is unknown: ${unread.map((s) => (s.read.kind === 'host' ? "the node's own nat table" : s.name)).join(' and ')} could not be read.`,
        evidence: unread.map((s) => `${s.dump.sections['iptables-save']?.command}: ${s.readError ?? s.dump.sections['iptables-save']?.output.split('\n')[0] ?? 'no output'}`),
        fix: `Run Swarm Lens as root on ${m.node}, or use the helper probe (swarmLens.trace.probe = helper): it reads the node's own tables from the host network.`,
      });
    } else if (!m.dnat || m.marks.length === 0) {
      found.push({
        id: 'mesh-not-programmed',
        severity: 'error',
        title: `The routing mesh is not programmed on ${m.node} for port ${m.port}/${m.protocol}: connections to that port on ${m.node} are refused.`,
        evidence: [
          m.dnatRule ? `host nat: ${m.dnatRule}` : `host nat: no DOCKER-INGRESS DNAT for --dport ${m.port}`,
          m.marks.length ? `ingress_sbox: ${m.marks[0].rule}` : `ingress_sbox: no PREROUTING MARK for --dport ${m.port}`,
        ],
        fix: `Without IPVS dockerd skips the mesh (see that finding); otherwise check dockerd's log on ${m.node}, and that the port is published in ingress mode ("docker service inspect").`,
      });
    }
    if (new Set(m.marks.map((x) => x.mark)).size > 1) {
      found.push({
        id: 'port-several-marks',
        severity: 'error',
        title: `Port ${m.port} is marked with several marks in ingress_sbox (${[...new Set(m.marks.map((x) => x.hex))].join(', ')}): only the first rule wins, possibly for a removed service.`,
        evidence: m.marks.map((x) => x.rule),
        fix: `A leftover of a service removed while the node was busy (moby #33287): restart dockerd on ${m.node}.`,
      });
    }
    return found;
  });
}

/** What the backend sees as the client's address through the routing mesh (moby#25526). */
function meshSnat({ trace, cluster }: FindingInput): Finding[] {
  return trace.mesh.flatMap((m): Finding[] => {
    if (!m.snat) return [];
    const seen = m.snat.toSource ?? "ingress_sbox's own address on the ingress network";
    const target = cluster.services.flatMap((s) => s.ports).find((p) => p.publishedPort === m.port && p.protocol === m.protocol)?.targetPort ?? '<port>';
    return [
      {
        id: 'mesh-snat',
        severity: 'info',
        title: `ingress_sbox on ${m.node} rewrites the source of routing-mesh connections to port ${m.port}: the backend task sees ${seen} as the client, not the client's own address.`,
        evidence: [`ingress_sbox nat: ${m.snat.rule}`],
        fix: `When the service needs the client's address (logs, allow lists), publish the port in host mode (docker service update --publish-rm ${m.port} --publish-add mode=host,published=${m.port},target=${target}): the address is kept, but only nodes that run a task answer on the port (moby#25526). Or put a proxy in front that passes it on (X-Forwarded-For, PROXY protocol).`,
      },
    ];
  });
}

/** Docker's load-balancer sandboxes keep the kernel's IPVS default TCP idle timeout. */
const IPVS_DEFAULT_TCP_TIMEOUT = 900;

/** Idle connections through IPVS die after its TCP timeout (moby#31208, #37822, docker/docs#5519). */
function idleTimeout(input: FindingInput): Finding[] {
  const { trace } = input;
  if (!usesIpvs(input)) return [];
  const at = trace.sandboxes.filter((s) => s.timeouts?.tcp === IPVS_DEFAULT_TCP_TIMEOUT);
  if (at.length === 0) return [];
  return [
    {
      id: 'ipvs-idle-timeout',
      severity: 'info',
      title: `IPVS on ${trace.node} forgets a TCP connection through ${trace.kind === 'mesh' ? 'the routing mesh' : 'a VIP'} after 900 s (15 minutes) without a packet: the next packet of such an idle connection is dropped, so the client sees it hang or reset.`,
      evidence: at.map((s) => `${path.basename(s.netns)}: Timeout (tcp tcpfin udp): ${s.timeouts!.tcp} ${s.timeouts!.tcpfin} ${s.timeouts!.udp}`),
      fix: `Keep idle connections alive below 900 s: TCP keepalive in the client or its connection pool, with net.ipv4.tcp_keepalive_time under 900 (for example 600) in the client containers (docker service create --sysctl net.ipv4.tcp_keepalive_time=600; Linux's default of 7200 s is too long), or close pooled connections that idle longer (moby#31208, moby#37822).`,
    },
  ];
}

function legacyLayout(input: FindingInput): Finding[] {
  const { trace } = input;
  if (trace.layout !== 'legacy' || !usesIpvs(input)) return [];
  return [
    {
      id: 'legacy-layout',
      severity: 'info',
      title: `The VIP rules live in the container's own namespace (OUTPUT chain marks): this engine uses the layout of Docker 18.05 and older.`,
      evidence: trace.marks.filter((m) => m.chain === 'OUTPUT').slice(0, 3).map((m) => m.rule),
      fix: `Nothing to fix; newer engines keep one load-balancer sandbox per network (lb_<network id>) instead.`,
    },
  ];
}

function noSource({ trace }: FindingInput): Finding[] {
  if (trace.kind !== 'service' || trace.source) return [];
  return [
    {
      id: 'no-source',
      severity: 'info',
      title: `No running container on ${trace.node} shares a network with ${trace.service?.name}: DNS was not asked.`,
      evidence: [],
      fix: `Pick a source container with --from, or start one on the service's network ("docker run --network <net> ..." on an attachable network).`,
    },
  ];
}
