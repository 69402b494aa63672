// The check's judgement, pure: one node's kernel state (marks, IPVS pools, DNS answers, DNAT)
// against the control plane (running, healthy tasks) and against that node's own numbers
// (LocalLBIndex in its verbose network inspect). The same reading always gives the same findings.
import type { Cluster } from '../cluster/cluster';
import type { NetworkServiceEntry, Service, Task } from '../cluster/types';
import { parseDnsAnswers, type IptablesRule, type IpvsService } from '../parse';
import { hexMark } from '../parse/values';
import type { DnsDump } from '../netns/script';
import { lbSandboxName, type ParsedSandbox, UNREAD_FIX, unreadSentence } from '../trace/sandbox';
import type { CheckFinding } from './types';

/** What was read on one node. */
export interface NodeReading {
  hostname: string;
  /** Network id -> the node's verbose inspect entries (its NetworkDB view, its marks); absent = not read. */
  views: Map<string, NetworkServiceEntry[]>;
  sandboxes: ParsedSandbox[];
  /** The sandboxes that had a weight-0 backend, read again after the quiesce delay. */
  recheck?: ParsedSandbox[];
  /** DNS asked from a container on `networkId` on this node. */
  dns: { networkId: string; dump: DnsDump }[];
  /** Networks this node has a running container on: where Docker keeps an lb_ sandbox. */
  localNetworks: Set<string>;
}

/** Task id -> Docker's health status where a container has a health check (`healthy`, `unhealthy`, `starting`). */
export type HealthMap = Map<string, string>;

/** A running task Docker serves: running, and healthy when it has a health check. */
export function serving(task: Task, health: HealthMap): boolean {
  const status = health.get(task.id);
  return task.state === 'running' && (status === undefined || status === 'healthy' || status === 'none');
}

interface Ctx {
  cluster: Cluster;
  reading: NodeReading;
  health: HealthMap;
  node: string;
}

export function compareNode(cluster: Cluster, reading: NodeReading, services: readonly Service[], health: HealthMap): CheckFinding[] {
  const ctx: Ctx = { cluster, reading, health, node: reading.hostname };
  const findings: CheckFinding[] = [...unreadable(ctx), ...unread(ctx), ...ipvsMissing(ctx, services)];
  for (const service of services) {
    for (const vip of service.vips) {
      const network = cluster.network(vip.networkId);
      if (!network || network.ingress || !reading.localNetworks.has(vip.networkId)) continue;
      findings.push(...vipFindings(ctx, service, vip.networkId, vip.address));
    }
    for (const networkId of service.networkIds) {
      if (cluster.network(networkId)?.ingress || !reading.localNetworks.has(networkId)) continue;
      findings.push(...dnsFindings(ctx, service, networkId));
    }
    for (const port of service.ports) {
      if (port.publishMode === 'ingress' && port.publishedPort) findings.push(...meshFindings(ctx, service, port.publishedPort, port.protocol));
    }
  }
  return findings;
}

function finding(ctx: Ctx, f: Omit<CheckFinding, 'node'>): CheckFinding {
  return { node: ctx.node, ...f };
}

function unreadable(ctx: Ctx): CheckFinding[] {
  return ctx.reading.sandboxes
    .filter((s) => s.readError)
    .map((s) =>
      finding(ctx, {
        code: 'sandbox-unreadable',
        severity: 'warning',
        service: '*',
        message: `${s.name} on ${ctx.node} could not be read, so what it holds is unknown.`,
        evidence: [`${s.dump.sections['iptables-save']?.command ?? s.name}: ${s.readError}`],
        fix: `Check that the helper image has nsenter, iptables-save, ipvsadm, ip and dig, and that it may run privileged on ${ctx.node}.`,
      }),
    );
}

function unread(ctx: Ctx): CheckFinding[] {
  return ctx.reading.sandboxes
    .filter((s) => s.unread.length > 0)
    .map((s) => finding(ctx, { code: 'output-unread', severity: 'warning', service: '*', message: unreadSentence(s, ctx.node), evidence: s.unread.map((u) => u.command), fix: UNREAD_FIX }));
}

function ipvsMissing(ctx: Ctx, services: readonly Service[]): CheckFinding[] {
  const broken = ctx.reading.sandboxes.filter((s) => s.read.ipvsAvailable === false);
  if (broken.length === 0 || !services.some((s) => s.endpointMode === 'vip' || s.ports.some((p) => p.publishMode === 'ingress'))) return [];
  return [
    finding(ctx, {
      code: 'ipvs-missing',
      severity: 'error',
      service: '*',
      message: `IPVS is missing from ${ctx.node}'s kernel: VIPs and the routing mesh cannot work on that node.`,
      evidence: broken.map((s) => `${s.name}: ${s.ipvsError}`),
      fix: `Load IPVS on ${ctx.node} (modprobe ip_vs ip_vs_rr), then restart dockerd there.`,
    }),
  ];
}

function sandbox(ctx: Ctx, name: string): ParsedSandbox | undefined {
  return ctx.reading.sandboxes.find((s) => s.name === name);
}

/** The node's own LocalLBIndex for a service on a network, from its verbose inspect. */
function localIndex(ctx: Ctx, networkId: string, serviceName: string): number | undefined {
  return ctx.reading.views.get(networkId)?.find((e) => e.serviceName === serviceName)?.mark?.decimal;
}

function servingAddresses(ctx: Ctx, service: Service, networkId: string): Map<string, Task> {
  const out = new Map<string, Task>();
  for (const t of ctx.cluster.tasksOf(service.id)) {
    if (!serving(t, ctx.health)) continue;
    for (const a of t.addresses) if (a.networkId === networkId) out.set(a.address, t);
  }
  return out;
}

function vipFindings(ctx: Ctx, service: Service, networkId: string, vip: string): CheckFinding[] {
  const networkName = ctx.cluster.network(networkId)?.name ?? networkId.slice(0, 12);
  const lb = sandbox(ctx, lbSandboxName(networkId));
  const base = { service: service.name, network: networkName };
  if (!lb || lb.readError || lb.read.ipvsAvailable === false) return [];
  if (!lb.read.present) {
    return [
      finding(ctx, {
        ...base,
        code: 'lb-sandbox-missing',
        severity: 'error',
        message: `${ctx.node} runs containers on ${networkName} but has no load-balancer sandbox ${lb.name}: VIPs on ${networkName} do not work from that node.`,
        evidence: [`${lb.dump.sections['iptables-save']?.command}: ${lb.dump.sections['iptables-save']?.output.split('\n')[0] ?? ''}`],
        fix: `Restart dockerd on ${ctx.node} so it creates the sandbox again.`,
      }),
    ];
  }
  const index = localIndex(ctx, networkId, service.name);
  const rule = lb.rules.find((r) => r.target === 'MARK' && r.mark !== null && r.destination === vip);
  if (!rule) {
    return [
      finding(ctx, {
        ...base,
        address: vip,
        code: 'mark-missing',
        severity: 'error',
        message: `On ${ctx.node}, no iptables rule in ${lb.name} marks ${service.name}'s VIP ${vip}: connections to it from that node are not load balanced.`,
        evidence: [`mangle MARK rules in ${lb.name}: ${markRules(lb).join(' | ') || 'none'}`, ...(index !== undefined ? [`LocalLBIndex on ${ctx.node}: ${index} (${hexMark(index)})`] : [])],
        fix: `Force an update of ${service.name} ("docker service update --force ${service.name}") so dockerd programs it again, or restart dockerd on ${ctx.node}.`,
      }),
    ];
  }
  const out: CheckFinding[] = [];
  if (index !== undefined && index !== rule.mark) {
    out.push(
      finding(ctx, {
        ...base,
        address: vip,
        code: 'mark-mismatch',
        severity: 'error',
        message: `On ${ctx.node}, ${service.name}'s VIP ${vip} is marked ${hexMark(rule.mark!)} (${rule.mark}) but that node's LocalLBIndex for it is ${index}: its traffic goes to another service's pool.`,
        evidence: [rule.raw, `docker network inspect --verbose ${networkName} on ${ctx.node}: LocalLBIndex ${index}`],
        fix: `Restart dockerd on ${ctx.node}; if it comes back, remove and recreate ${service.name}.`,
      }),
    );
  }
  out.push(...poolFindings(ctx, service, networkId, lb, rule, { ...base, address: vip }, 'pool-missing'));
  return out;
}

function markRules(s: ParsedSandbox): string[] {
  return s.rules.filter((r) => r.target === 'MARK' && r.mark !== null).map((r) => r.raw);
}

/** The IPVS pool a MARK rule feeds, against the serving tasks on that network. */
function poolFindings(ctx: Ctx, service: Service, networkId: string, where: ParsedSandbox, rule: IptablesRule, base: Pick<CheckFinding, 'service' | 'network' | 'address'>, missingCode: 'pool-missing' | 'mesh-pool-missing'): CheckFinding[] {
  const mark = rule.mark!;
  const pool = where.ipvs.find((v) => v.fwmark === mark);
  if (!pool) {
    return [
      finding(ctx, {
        ...base,
        code: missingCode,
        severity: 'error',
        message: `On ${ctx.node}, ${where.name} marks ${service.name}'s traffic ${hexMark(mark)} (${mark}) but IPVS has no FWM ${mark} service there: marked packets go nowhere.`,
        evidence: [rule.raw, `IPVS services in ${where.name}: ${where.ipvs.map((v) => `FWM ${v.fwmark}`).join(', ') || 'none'}`],
        fix: `Restart dockerd on ${ctx.node}, or force an update of ${service.name}.`,
      }),
    ];
  }
  const expected = servingAddresses(ctx, service, networkId);
  const again = ctx.reading.recheck?.find((s) => s.name === where.name)?.ipvs.find((v) => v.fwmark === mark);
  const listed = (p: IpvsService) => p.backends.map((b) => `${b.address ?? b.host} w${b.weight ?? '?'}`).join(', ') || 'none';
  const evidence = [`FWM ${mark} in ${where.name}: ${listed(pool)}`];
  const out: CheckFinding[] = [];
  const inPool = new Set(pool.backends.map((b) => b.address));
  const view = ctx.reading.views.get(networkId)?.find((e) => e.serviceName === service.name);
  for (const [address, task] of expected) {
    if (inPool.has(address)) continue;
    const gossip = view ? (view.tasks.some((t) => t.endpointIp === address) ? `${ctx.node}'s NetworkDB lists ${address}: the kernel was not updated` : `${ctx.node}'s NetworkDB does not list ${address} either: the update did not reach this node`) : undefined;
    out.push(
      finding(ctx, {
        ...base,
        address,
        task: task.name,
        code: 'backend-missing',
        severity: 'error',
        message: `On ${ctx.node}, ${task.name} (${address}, on ${task.nodeName}) is running but not in ${service.name}'s pool FWM ${mark}: connections from that node never reach it.`,
        evidence: [...evidence, ...(gossip ? [gossip] : [])],
        fix: `Force an update of ${service.name} ("docker service update --force ${service.name}"); if ${ctx.node} keeps missing it, restart dockerd on ${ctx.node} (moby#33790).`,
      }),
    );
  }
  for (const b of pool.backends) {
    if (!b.address) continue;
    const later = again ? again.backends.find((x) => x.address === b.address) : b;
    const owner = ctx.cluster.ownersOf(b.address).find((o) => o.kind === 'task');
    const taskName = owner?.kind === 'task' ? owner.task.name : undefined;
    if (!expected.has(b.address)) {
      // A stopping task drains at weight 0 for a few seconds: only still there after the recheck is a fault.
      if (!later || (b.weight === 0 && !again)) continue;
      out.push(
        finding(ctx, {
          ...base,
          address: b.address,
          task: taskName,
          code: later.weight === 0 ? 'backend-weight-zero' : 'backend-stale',
          severity: later.weight === 0 ? 'warning' : 'error',
          message:
            later.weight === 0
              ? `On ${ctx.node}, ${b.address}${taskName ? ` (${taskName}, not serving)` : ''} stays at weight 0 in ${service.name}'s pool FWM ${mark}: it gets no new connections, but the pool was never cleaned.`
              : `On ${ctx.node}, ${service.name}'s pool FWM ${mark} sends connections to ${b.address}, which no serving task of ${service.name} has${taskName ? ` (it was ${taskName})` : ''}: those connections fail.`,
          evidence: [...evidence, ...(again ? [`read again: ${listed(again)}`] : [])],
          fix: `Force an update of ${service.name}; if the address stays, restart dockerd on ${ctx.node} (moby#30464, #26060).`,
        }),
      );
    } else if (b.weight === 0 && again && later?.weight === 0) {
      out.push(
        finding(ctx, {
          ...base,
          address: b.address,
          task: taskName,
          code: 'backend-weight-zero',
          severity: 'warning',
          message: `On ${ctx.node}, ${taskName ?? b.address} is serving but stays at weight 0 in ${service.name}'s pool FWM ${mark}: IPVS sends it no new connections from that node.`,
          evidence: [...evidence, `read again: ${listed(again)}`],
          fix: `Force an update of ${service.name}.`,
        }),
      );
    }
  }
  return out;
}

function dnsFindings(ctx: Ctx, service: Service, networkId: string): CheckFinding[] {
  const networkName = ctx.cluster.network(networkId)?.name ?? networkId.slice(0, 12);
  const tasks = [...servingAddresses(ctx, service, networkId).keys()];
  const vip = service.vips.find((v) => v.networkId === networkId)?.address;
  const questions: [string, string[]][] = [
    [service.name, service.endpointMode === 'vip' ? (vip ? [vip] : []) : tasks],
    [`tasks.${service.name}`, tasks],
  ];
  const out: CheckFinding[] = [];
  for (const [name, expected] of questions) {
    const dump = ctx.reading.dns.find((d) => d.networkId === networkId && d.dump.name === name)?.dump;
    if (!dump) continue;
    const parsed = parseDnsAnswers(dump.result.output);
    const query = parsed.queries.find((q) => q.answers.length > 0) ?? parsed.queries[0];
    const got = (query?.answers ?? []).filter((a) => a.type === 'A').map((a) => a.address);
    const missing = expected.filter((a) => !got.includes(a));
    const extra = got.filter((a) => !expected.includes(a));
    if (missing.length === 0 && extra.length === 0) continue;
    const status = dump.result.exitCode !== 0 && !query ? 'no answer' : (query?.status ?? 'no answer');
    out.push(
      finding(ctx, {
        service: service.name,
        network: networkName,
        code: 'dns-mismatch',
        severity: 'error',
        message: `On ${ctx.node}, "${name}" resolves to ${got.join(', ') || `nothing (${status})`}, but the serving tasks say ${expected.join(', ') || 'nothing'}${extra.length ? `: ${extra.join(', ')} is stale` : ''}${missing.length ? `${extra.length ? ',' : ':'} ${missing.join(', ')} is missing` : ''}.`,
        evidence: [dump.result.command, ...dump.result.output.split('\n').filter((l) => /\sIN\s+A\s|status:/.test(l)).slice(0, 8)],
        fix: `${ctx.node}'s embedded DNS answers from its own NetworkDB: if it stays wrong, restart dockerd on ${ctx.node} (moby#28836, #30134).`,
      }),
    );
  }
  return out;
}

function meshFindings(ctx: Ctx, service: Service, port: number, protocol: string): CheckFinding[] {
  const host = ctx.reading.sandboxes.find((s) => s.read.kind === 'host');
  const ingress = sandbox(ctx, 'ingress_sbox');
  const ingressId = ctx.cluster.state.networks.find((n) => n.ingress)?.id;
  const base = { service: service.name, network: 'ingress' };
  const out: CheckFinding[] = [];
  const matches = (r: IptablesRule) => r.dport === port && (r.protocol ?? 'tcp') === protocol;
  if (host?.read.present && !host.readError && host.rules.length) {
    const dnat = host.rules.find((r) => r.table === 'nat' && r.chain === 'DOCKER-INGRESS' && r.target === 'DNAT' && matches(r));
    if (!dnat) {
      out.push(
        finding(ctx, {
          ...base,
          code: 'mesh-dnat-missing',
          severity: 'error',
          message: `${ctx.node} does not forward port ${port}/${protocol} to the routing mesh (no DNAT in DOCKER-INGRESS): ${service.name} does not answer on ${ctx.node}:${port}.`,
          evidence: [`nat DOCKER-INGRESS on ${ctx.node}: ${host.rules.filter((r) => r.chain === 'DOCKER-INGRESS').map((r) => r.raw).join(' | ') || 'no rules'}`],
          fix: `Restart dockerd on ${ctx.node}, or republish the port ("docker service update --publish-rm ${port} --publish-add ${port}:... ${service.name}") (moby#29417).`,
        }),
      );
    }
  }
  if (!ingress?.read.present || ingress.readError || ingress.read.ipvsAvailable === false || !ingressId) return out;
  const rule = ingress.rules.find((r) => r.target === 'MARK' && r.mark !== null && r.chain === 'PREROUTING' && matches(r));
  if (!rule) {
    out.push(
      finding(ctx, {
        ...base,
        code: 'mark-missing',
        severity: 'error',
        message: `On ${ctx.node}, ingress_sbox does not mark port ${port}/${protocol}: the routing mesh does not balance ${service.name} from that node.`,
        evidence: [`ingress_sbox MARK rules: ${markRules(ingress).join(' | ') || 'none'}`],
        fix: `Restart dockerd on ${ctx.node}.`,
      }),
    );
    return out;
  }
  const index = localIndex(ctx, ingressId, service.name);
  if (index !== undefined && index !== rule.mark) {
    out.push(
      finding(ctx, {
        ...base,
        code: 'mark-mismatch',
        severity: 'error',
        message: `On ${ctx.node}, port ${port}/${protocol} is marked ${hexMark(rule.mark!)} (${rule.mark}) but ${service.name}'s LocalLBIndex on ingress there is ${index}.`,
        evidence: [rule.raw, `docker network inspect --verbose ingress on ${ctx.node}: LocalLBIndex ${index}`],
        fix: `Restart dockerd on ${ctx.node}.`,
      }),
    );
  }
  out.push(...poolFindings(ctx, service, ingressId, ingress, rule, base, 'mesh-pool-missing'));
  return out;
}
