// The join: what the sandboxes say (marks, IPVS, DNS) against what the cluster says (VIPs,
// LocalLBIndex, running tasks), into one Trace. Pure: the same input always gives the same trace,
// so it is tested on recorded outputs and runs offline on bundles.
import type { Cluster } from '../cluster/cluster';
import type { Service, Task } from '../cluster/types';
import { parseDnsAnswers } from '../parse';
import type { IpvsService } from '../parse';
import { backendFields } from '../parse/ipvsadm';
import { hexMark } from '../parse/values';
import type { ProbeOutput } from '../netns/script';
import { sandboxTraffic } from './connections';
import { findingsFor } from './findings';
import { taskRef } from './taskRef';
import { parseSandbox, type ParsedSandbox } from './sandbox';
import { BackendStep, DnsStep, IpvsStep, MarkRule, MeshStep, RawOutput, SnatStep, Trace, TRACE_VERSION, VipStep } from './types';

export interface TraceInput {
  cluster: Cluster;
  kind: Trace['kind'];
  service?: Service;
  port?: { port: number; protocol: string };
  source?: { containerId: string; name: string; task?: Task; netns: string };
  /** The node whose namespaces were read. */
  node: string;
  probe: Trace['probe'];
  output: ProbeOutput;
  /** A second read a few seconds later, of the sandboxes that had a backend at weight 0. */
  recheck?: ProbeOutput;
  takenAt: string;
  /** Commands that led to the sandboxes (docker inspect ...), shown first. */
  leadCommands: string[];
  /** VIP -> LocalLBIndex as the node read numbers them, when it is not the engine the cluster came from. */
  lbIndexes?: Map<string, number>;
}

export { taskRef };

function markRules(sandbox: ParsedSandbox): MarkRule[] {
  return sandbox.rules
    .filter((r) => r.mark !== null && r.target === 'MARK')
    .map((r) => ({
      sandbox: sandbox.name,
      table: r.table,
      chain: r.chain,
      mark: r.mark!,
      hex: hexMark(r.mark!),
      destination: r.destination,
      protocol: r.protocol,
      port: r.dport,
      packets: r.counters?.packets ?? null,
      rule: r.raw,
    }));
}

function ipvsStep(cluster: Cluster, sandbox: string, service: IpvsService): IpvsStep {
  return {
    sandbox,
    protocol: service.protocol,
    fwmark: service.fwmark,
    hex: service.fwmark !== null ? hexMark(service.fwmark) : null,
    address: service.address,
    port: service.port,
    scheduler: service.scheduler,
    backends: service.backends.map((b): BackendStep => {
      const owner = b.address ? cluster.ownersOf(b.address).find((o) => o.kind === 'task') : undefined;
      return { ...backendFields(b), task: owner?.kind === 'task' ? taskRef(owner.task) : undefined };
    }),
  };
}

/** The lb_ sandbox of a network is named after the first 9 characters of its id. */
export function buildTrace(input: TraceInput): Trace {
  const { cluster, service } = input;
  const sandboxes = input.output.sandboxes.map(parseSandbox);
  const marks = sandboxes.flatMap(markRules);
  const ipvs = sandboxes.flatMap((s) => s.ipvs.map((v) => ipvsStep(cluster, s.name, v)));

  // The mesh is about its port, not the service's VIPs on other networks.
  const vips: VipStep[] = (input.kind === 'service' ? (service?.vips ?? []) : []).map((vip) => {
    const mark = marks.find((m) => m.destination === vip.address) ?? null;
    const selected = mark ? (ipvs.find((v) => v.sandbox === mark.sandbox && v.fwmark === mark.mark) ?? null) : null;
    const lbIndex = input.lbIndexes ? (input.lbIndexes.get(vip.address) ?? null) : (vip.mark?.decimal ?? null);
    return { address: vip.address, network: vip.networkName, lbIndex, mark, ipvs: selected };
  });

  const dns: DnsStep[] = input.output.dns.map((d) => {
    const parsed = parseDnsAnswers(d.result.output);
    const query = parsed.queries.find((q) => q.answers.length > 0) ?? parsed.queries[0];
    const timedOut = d.result.exitCode !== 0 && !query;
    return {
      query: d.name,
      status: timedOut ? 'TIMEOUT' : (query?.status ?? 'UNKNOWN'),
      answers: (query?.answers ?? [])
        .filter((a) => a.type === 'A')
        .map((a) => {
          const owner = cluster.ownersOf(a.address).find((o) => o.kind === 'vip' || o.kind === 'task');
          return {
            address: a.address,
            owner:
              owner?.kind === 'vip'
                ? { kind: 'vip' as const, service: owner.service.name, network: owner.vip.networkName }
                : owner?.kind === 'task'
                  ? { kind: 'task' as const, task: taskRef(owner.task) }
                  : { kind: 'unknown' as const },
          };
        }),
      expected: expectedAnswers(cluster, d.name, input.source?.task),
      command: d.result.command,
    };
  });

  const mesh: MeshStep[] = input.port ? [meshStep(input.node, input.port, sandboxes, marks, ipvs)] : [];
  const layout = marks.some((m) => m.sandbox.startsWith('lb_')) || sandboxes.some((s) => s.read.kind === 'lb' && s.read.present)
    ? 'lb-sandbox'
    : marks.some((m) => m.chain === 'OUTPUT' && m.destination && sandboxes.find((s) => s.name === m.sandbox)?.read.kind !== 'lb')
      ? 'legacy'
      : 'unknown';

  const raw: RawOutput[] = [];
  const commands = [...input.leadCommands];
  for (const s of sandboxes) {
    for (const [section, out] of Object.entries(s.dump.sections)) {
      if (!out) continue;
      commands.push(out.command);
      raw.push({ title: `${s.name}: ${section}`, command: out.command, text: out.output });
    }
  }
  for (const d of input.output.dns) {
    commands.push(d.result.command);
    raw.push({ title: `DNS ${d.name}`, command: d.result.command, text: d.result.output });
  }

  const trace: Trace = {
    version: TRACE_VERSION,
    kind: input.kind,
    takenAt: input.takenAt,
    node: input.node,
    probe: input.probe,
    layout,
    service: service ? { id: service.id, name: service.name, endpointMode: service.endpointMode } : undefined,
    source: input.source ? { containerId: input.source.containerId, name: input.source.name, task: input.source.task ? taskRef(input.source.task) : undefined, netns: input.source.netns } : undefined,
    port: input.port,
    dns,
    vips,
    marks,
    ipvs,
    mesh,
    sandboxes: sandboxes.map((s) => ({ ...s.read, ...sandboxTraffic(cluster, s.dump) })),
    findings: [],
    commands,
    raw,
  };
  trace.findings = findingsFor({ trace, cluster, service, sandboxes, recheck: input.recheck?.sandboxes.map(parseSandbox) });
  return trace;
}

/** What the embedded DNS should answer for `name`, asked from a container on the source task's networks. */
export function expectedAnswers(cluster: Cluster, name: string, source?: Task): string[] {
  const tasksPrefix = name.startsWith('tasks.');
  const serviceName = tasksPrefix ? name.slice('tasks.'.length) : name;
  const service = cluster.service(serviceName);
  if (!service) return [];
  const sourceNetworks = new Set(source?.addresses.map((a) => a.networkId) ?? service.networkIds);
  const shared = (networkId: string) => sourceNetworks.has(networkId) && !cluster.network(networkId)?.ingress;
  if (!tasksPrefix && service.endpointMode === 'vip') {
    return service.vips.filter((v) => shared(v.networkId)).map((v) => v.address);
  }
  return cluster
    .tasksOf(service.id)
    .filter((t) => t.state === 'running')
    .flatMap((t) => t.addresses.filter((a) => shared(a.networkId)).map((a) => a.address));
}

function meshStep(node: string, port: { port: number; protocol: string }, sandboxes: ParsedSandbox[], marks: MarkRule[], ipvs: IpvsStep[]): MeshStep {
  const host = sandboxes.find((s) => s.read.kind === 'host');
  const dnatRule = host?.rules.find((r) => r.table === 'nat' && r.chain === 'DOCKER-INGRESS' && r.target === 'DNAT' && r.dport === port.port && (r.protocol ?? 'tcp') === port.protocol);
  const ingressMarks = marks.filter((m) => m.sandbox === 'ingress_sbox' && m.port === port.port && (m.protocol ?? 'tcp') === port.protocol);
  const selected = ingressMarks.length ? (ipvs.find((v) => v.sandbox === 'ingress_sbox' && v.fwmark === ingressMarks[0].mark) ?? null) : null;
  const ingress = sandboxes.find((s) => s.read.kind === 'ingress');
  return { node, port: port.port, protocol: port.protocol, dnat: dnatRule?.toDestination ?? null, dnatRule: dnatRule?.raw ?? null, marks: ingressMarks, ipvs: selected, snat: ingress ? meshSnat(ingress) : null };
}

/**
 * The rule in ingress_sbox's nat table that rewrites the source of connections IPVS sent to a
 * task (`-A POSTROUTING -d 10.0.0.0/24 -m ipvs --ipvs -j SNAT --to-source 10.0.0.2`): the reason
 * a backend sees that address instead of the client's. Not the embedded DNS's SNAT (from 127.0.0.11).
 */
function meshSnat(ingress: ParsedSandbox): SnatStep | null {
  const rules = ingress.rules.filter((r) => r.table === 'nat' && (r.target === 'SNAT' || r.target === 'MASQUERADE') && r.source !== '127.0.0.11' && (r.ipvs || r.chain === 'POSTROUTING'));
  const rule = rules.find((r) => r.ipvs) ?? rules[0];
  return rule ? { action: rule.target as SnatStep['action'], toSource: rule.target === 'SNAT' ? rule.toSource : null, rule: rule.raw } : null;
}

/**
 * Several nodes' traces of one published port as one trace: each node's mesh step side by side,
 * its sandboxes named `<node>/<sandbox>` (every node has an ingress_sbox of its own).
 */
export function mergeMeshTraces(traces: Trace[], unreached: { node: string; why: string }[] = []): Trace {
  const [first] = traces;
  const tag = <T extends { sandbox: string }>(t: Trace, x: T): T => ({ ...x, sandbox: `${t.node}/${x.sandbox}` });
  return {
    ...first,
    node: traces.map((t) => t.node).join(', '),
    mesh: traces.flatMap((t) => t.mesh.map((m) => ({ ...m, marks: m.marks.map((x) => tag(t, x)), ipvs: m.ipvs && tag(t, m.ipvs) }))),
    marks: traces.flatMap((t) => t.marks.map((x) => tag(t, x))),
    ipvs: traces.flatMap((t) => t.ipvs.map((x) => tag(t, x))),
    sandboxes: traces.flatMap((t) => t.sandboxes),
    findings: [
      ...traces.flatMap((t) => t.findings),
      ...unreached.map((u) => ({ id: 'node-unreachable' as const, severity: 'warning' as const, title: `${u.node} was not read: its routing mesh is not shown.`, evidence: [u.why], fix: u.why })),
    ],
    commands: traces.flatMap((t) => t.commands.map((c) => `${c}   # on ${t.node}`)),
    raw: traces.flatMap((t) => t.raw.map((r) => ({ ...r, title: `${t.node}: ${r.title}` }))),
  };
}
