// The trace as a small tree of boxes, column by column: what the diagram draws. Pure data (no
// DOM), so the choice of boxes, their health and their wording can be read on its own.
import type { BackendStep, DnsStep, IpvsStep, MarkRule, MeshStep, TaskRef, Trace } from '../core/trace/types';
import { shortContainerName } from './protocol';

export type Health = 'ok' | 'warn' | 'error' | 'muted' | 'neutral';

export type NodeAction = { kind: 'task'; id: string } | { kind: 'service'; id: string } | { kind: 'container'; id: string };

export interface GraphNode {
  col: number;
  title: string;
  sub: string;
  health: Health;
  /** Drawn with a dashed outline: a step that is missing, or one not reached. */
  dashed?: boolean;
  /** The sentence a screen reader says (and the tooltip). */
  label: string;
  action?: NodeAction;
  children: GraphEdge[];
}

export interface GraphEdge {
  to: GraphNode;
  /** Short text on the link (only where it explains a break). */
  label?: string;
  health: Health;
}

export interface Graph {
  columns: string[];
  roots: GraphNode[];
  /** One line saying what the picture shows, for its accessible description. */
  summary: string;
}

const node = (n: Omit<GraphNode, 'children'> & { children?: GraphEdge[] }): GraphNode => ({ children: [], ...n });
const link = (from: GraphNode, to: GraphNode, health: Health = 'neutral', label?: string): GraphNode => {
  from.children.push({ to, health, label });
  return to;
};

function hasFinding(trace: Trace, id: string): boolean {
  return trace.findings.some((f) => f.id === id);
}

/** The health of a task as a backend or a DNS answer. */
function taskHealth(task: TaskRef | undefined, weight: number | null = 1): Health {
  if (!task || task.state !== 'running') return 'error';
  if (weight === 0) return 'warn';
  return 'ok';
}

function taskTitle(t: TaskRef): string {
  return `${t.name} · ${t.node} · ${t.state}`;
}

function backendNode(b: BackendStep, col: number): GraphNode {
  const addr = `${b.address ?? b.host ?? '?'}${b.port ? `:${b.port}` : ''}`;
  const conn = b.activeConnections !== null || b.inactiveConnections !== null ? ` · ${b.activeConnections ?? '?'}/${b.inactiveConnections ?? '?'} conn` : '';
  const sub = `${addr} · w${b.weight ?? '?'}${conn}`;
  const health = taskHealth(b.task, b.weight);
  if (!b.task) {
    return node({ col, title: 'stale · no task', sub, health, label: `Backend ${addr}, weight ${b.weight ?? 'unknown'}: no task has this address (a stale backend).` });
  }
  const why = health === 'warn' ? ', at weight 0: receives no new connections' : health === 'error' ? `, but the task is ${b.task.state}` : '';
  return node({
    col,
    title: taskTitle(b.task),
    sub,
    health,
    label: `Backend ${addr}, task ${b.task.name} on ${b.task.node}, ${b.task.state}, weight ${b.weight ?? 'unknown'}${why}. Press Enter to reveal the task.`,
    action: { kind: 'task', id: b.task.id },
  });
}

function answerTaskNode(t: TaskRef, address: string, col: number, note = ''): GraphNode {
  const health = taskHealth(t);
  return node({
    col,
    title: taskTitle(t),
    sub: `${address}${note ? ` · ${note}` : ''}`,
    health,
    label: `${address}: task ${t.name} on ${t.node}, ${t.state}${note ? `, ${note}` : ''}. Press Enter to reveal the task.`,
    action: { kind: 'task', id: t.id },
  });
}

/** The running tasks a name should reach, from the `tasks.<service>` answers. */
function expectedTasks(trace: Trace, service: string): { address: string; task: TaskRef }[] {
  const step = trace.dns.find((d) => d.query === `tasks.${service}`);
  const out: { address: string; task: TaskRef }[] = [];
  for (const a of step?.answers ?? []) if (a.owner.kind === 'task') out.push({ address: a.address, task: a.owner.task });
  return out;
}

function ipvsTitle(v: IpvsStep): string {
  return v.fwmark !== null ? `FWM ${v.fwmark} ${v.scheduler ?? ''}`.trim() : `${v.protocol.toUpperCase()} ${v.address}:${v.port} ${v.scheduler ?? ''}`.trim();
}

function sandboxName(path: string): string {
  return path.split('/').pop() || path;
}

function markNode(m: MarkRule, col: number, health: Health = 'neutral'): GraphNode {
  const pkts = m.packets !== null ? ` · ${m.packets} pkts` : '';
  return node({
    col,
    title: `${m.hex} = ${m.mark}`,
    sub: `${sandboxName(m.sandbox)} ${m.table} ${m.chain}${pkts}`,
    health,
    label: `Firewall mark ${m.hex}, that is ${m.mark}, set by ${m.table} ${m.chain} in ${sandboxName(m.sandbox)}${m.packets !== null ? `, ${m.packets} packets` : ''}.`,
  });
}

function ipvsNode(v: IpvsStep, col: number): GraphNode {
  const n = v.backends.length;
  return node({
    col,
    title: ipvsTitle(v),
    sub: `${sandboxName(v.sandbox)} · ${n} backend${n === 1 ? '' : 's'}`,
    health: n === 0 ? 'error' : 'neutral',
    label: `IPVS service ${ipvsTitle(v)} in ${sandboxName(v.sandbox)} with ${n} backend${n === 1 ? '' : 's'}.`,
  });
}

function broken(col: number, title: string, sub: string, label: string): GraphNode {
  return node({ col, title, sub, health: 'error', dashed: true, label });
}

/** Why a load-balancer step is absent, in two or three words for the link. */
function breakReason(trace: Trace): string {
  if (hasFinding(trace, 'ipvs-missing')) return 'IPVS missing';
  return hasFinding(trace, 'mesh-unreadable') || hasFinding(trace, 'sandbox-unreadable') ? 'not read' : 'not programmed';
}

/** The IPVS pool's backends, and the running tasks missing from it. */
function attachBackends(trace: Trace, from: GraphNode, v: IpvsStep, service: string | undefined, col: number): void {
  for (const b of v.backends) link(from, backendNode(b, col), b.task && b.weight !== 0 ? 'neutral' : b.task ? 'warn' : 'error');
  if (!service) return;
  const inPool = new Set(v.backends.map((b) => b.task?.id ?? b.address));
  for (const e of expectedTasks(trace, service)) {
    if (inPool.has(e.task.id) || inPool.has(e.address)) continue;
    const n = node({
      col,
      title: taskTitle(e.task),
      sub: `${e.address} · not in the pool`,
      health: 'error',
      dashed: true,
      label: `Task ${e.task.name} on ${e.task.node} is ${e.task.state} at ${e.address} but is not a backend of ${ipvsTitle(v)}. Press Enter to reveal the task.`,
      action: { kind: 'task', id: e.task.id },
    });
    link(from, n, 'error', 'missing');
  }
}

/** Tasks a broken VIP would have reached: drawn faint, so the break reads as the only problem. */
function attachUnreached(trace: Trace, from: GraphNode, service: string, col: number): void {
  for (const e of expectedTasks(trace, service)) {
    const n = answerTaskNode(e.task, e.address, col, 'not reached via the VIP');
    n.health = 'muted';
    n.dashed = true;
    link(from, n, 'muted');
  }
}

/** VIP -> mark -> IPVS -> backends, from the VIP column on. */
function vipChain(trace: Trace, address: string, network: string, service: string, serviceRef: string, col: number): GraphNode {
  const step = trace.vips.find((v) => v.address === address);
  const mark = step?.mark ?? trace.marks.find((m) => m.destination?.split('/')[0] === address) ?? null;
  const ipvs = step?.ipvs ?? (mark ? trace.ipvs.find((v) => v.fwmark === mark.mark) ?? null : null);
  const lb = step?.lbIndex ?? null;
  const vip = node({
    col,
    title: address,
    sub: `VIP · ${network}${lb !== null ? ` · LB index ${lb}` : ''}`,
    health: 'neutral',
    label: `Virtual IP ${address} of service ${service} on network ${network}. Press Enter to reveal the service.`,
    action: { kind: 'service', id: serviceRef },
  });
  if (!mark) {
    const reason = breakReason(trace);
    const noMark = link(vip, broken(col + 1, 'no MARK rule', `for ${address}`, `No firewall MARK rule for ${address}: ${reason}.`), 'error', reason);
    const noIpvs = link(noMark, broken(col + 2, reason === 'IPVS missing' ? 'IPVS missing' : 'no IPVS service', reason === 'IPVS missing' ? 'kernel has no ip_vs' : 'nothing to select', `No IPVS service: ${reason}.`), 'error');
    attachUnreached(trace, noIpvs, service, col + 3);
    return vip;
  }
  const markHealth: Health = step?.lbIndex != null && step.lbIndex !== mark.mark ? 'warn' : 'neutral';
  const m = link(vip, markNode(mark, col + 1, markHealth));
  if (!ipvs) {
    const n = link(m, broken(col + 2, 'no IPVS service', `for FWM ${mark.mark}`, `Mark ${mark.mark} selects no IPVS service: packets with it are not balanced.`), 'error', `no FWM ${mark.mark}`);
    attachUnreached(trace, n, service, col + 3);
    return vip;
  }
  const v = link(m, ipvsNode(ipvs, col + 2));
  attachBackends(trace, v, ipvs, service, col + 3);
  return vip;
}

function dnsNode(d: DnsStep, col: number): GraphNode {
  const ok = d.status === 'NOERROR' && d.answers.length > 0;
  const expected = [...d.expected].sort().join(',');
  const got = d.answers.map((a) => a.address).sort().join(',');
  const health: Health = !ok ? 'error' : d.expected.length && expected !== got ? 'warn' : 'neutral';
  const n = d.answers.length;
  return node({
    col,
    title: d.query,
    sub: ok ? `127.0.0.11 · ${n} answer${n === 1 ? '' : 's'}` : `127.0.0.11 · ${d.status || 'no answer'}`,
    health,
    label: `DNS query ${d.query} at 127.0.0.11: ${d.status}, ${n} answer${n === 1 ? '' : 's'}${health === 'warn' ? ', not the addresses the cluster expects' : ''}.`,
  });
}

/** A DNS query and where each answer leads. */
function dnsBranch(trace: Trace, d: DnsStep, serviceRefs: Map<string, string>): GraphNode {
  const q = dnsNode(d, 1);
  for (const a of d.answers) {
    if (a.owner.kind === 'vip') {
      link(q, vipChain(trace, a.address, a.owner.network, a.owner.service, serviceRefs.get(a.owner.service) ?? a.owner.service, 2));
    } else if (a.owner.kind === 'task') {
      // A dnsrr service's answers are its tasks (the Tasks column is the third one); a vip
      // service answering with a task is a mismatch; a container's queries cover both kinds.
      const dnsrr = trace.kind === 'service' && trace.service?.endpointMode === 'dnsrr';
      const mismatch = trace.kind === 'service' && !dnsrr;
      const n = answerTaskNode(a.owner.task, a.address, dnsrr ? 2 : 5, mismatch ? 'answered instead of the VIP' : '');
      if (mismatch && n.health === 'ok') n.health = 'warn';
      link(q, n, n.health === 'error' ? 'error' : 'neutral');
    } else {
      link(q, node({ col: 2, title: a.address, sub: 'unknown address', health: 'error', label: `${a.address}: no service or task in the cluster has this address.` }), 'error');
    }
  }
  return q;
}

function sourceNode(trace: Trace): GraphNode | null {
  const s = trace.source;
  if (!s) return null;
  const name = s.task?.name ?? shortContainerName(s.name);
  return node({
    col: 0,
    title: name,
    sub: `${s.task?.node ?? trace.node} · ${s.containerId.slice(0, 12)}`,
    health: 'neutral',
    label: `Source container ${name} on ${s.task?.node ?? trace.node}, where the DNS queries were made.${s.task ? ' Press Enter to reveal the task.' : ''}`,
    action: s.task ? { kind: 'task', id: s.task.id } : { kind: 'container', id: s.containerId },
  });
}

function meshChain(trace: Trace, m: MeshStep): GraphNode {
  const service = trace.service?.name;
  const root = node({
    col: 0,
    title: `${m.node}:${m.port}`,
    sub: `published ${m.port}/${m.protocol}`,
    health: 'neutral',
    label: `Port ${m.port}/${m.protocol} published on node ${m.node}${service ? ` by service ${service}` : ''}.`,
    action: trace.service ? { kind: 'service', id: trace.service.id } : undefined,
  });
  const hostRead = trace.sandboxes.find((s) => s.kind === 'host');
  let prev: GraphNode;
  if (m.dnat) {
    prev = link(root, node({ col: 1, title: `DNAT → ${m.dnat}`, sub: 'host nat DOCKER-INGRESS', health: 'neutral', label: `The host's nat chain DOCKER-INGRESS rewrites port ${m.port} to ${m.dnat}, the ingress sandbox.` }));
  } else if (hostRead && !hostRead.present) {
    prev = link(root, node({ col: 1, title: 'DNAT not read', sub: 'host nat unreadable', health: 'muted', dashed: true, label: "The host's nat table could not be read, so the DOCKER-INGRESS rule is unknown." }), 'muted', 'not read');
  } else {
    prev = link(root, broken(1, 'no DNAT', `for ${m.port}/${m.protocol}`, `No DOCKER-INGRESS DNAT for port ${m.port} in the host's nat table.`), 'error', breakReason(trace));
  }
  if (m.marks.length === 0) {
    const noMark = link(prev, broken(2, 'no MARK rule', `ingress_sbox --dport ${m.port}`, `No MARK rule for port ${m.port} in ingress_sbox.`), 'error', prev.health === 'error' ? undefined : breakReason(trace));
    if (!m.ipvs) link(noMark, broken(3, hasFinding(trace, 'ipvs-missing') ? 'IPVS missing' : 'no IPVS service', hasFinding(trace, 'ipvs-missing') ? 'kernel has no ip_vs' : 'nothing to select', 'No IPVS service for this port.'), 'error');
    return root;
  }
  const several = m.marks.length > 1;
  for (const mk of m.marks) {
    const mn = link(prev, markNode(mk, 2, several ? 'warn' : 'neutral'), several ? 'warn' : 'neutral');
    if (m.ipvs && m.ipvs.fwmark === mk.mark) {
      const v = link(mn, ipvsNode(m.ipvs, 3));
      attachBackends(trace, v, m.ipvs, undefined, 4);
    } else {
      link(mn, broken(3, 'no IPVS service', `for FWM ${mk.mark}`, `Mark ${mk.mark} selects no IPVS service in ingress_sbox.`), 'error', several ? 'unused' : `no FWM ${mk.mark}`);
    }
  }
  return root;
}

export function buildGraph(trace: Trace): Graph {
  if (trace.kind === 'mesh') {
    const port = trace.port ? `${trace.port.port}/${trace.port.protocol}` : '';
    return {
      columns: ['Node port', 'DOCKER-INGRESS', 'ingress_sbox mark', 'IPVS', 'Tasks'],
      roots: trace.mesh.map((m) => meshChain(trace, m)),
      summary: `Routing mesh of port ${port}${trace.service ? ` (service ${trace.service.name})` : ''} on ${trace.mesh.map((m) => m.node).join(', ') || 'no node'}.`,
    };
  }
  const serviceRefs = new Map<string, string>();
  if (trace.service) serviceRefs.set(trace.service.name, trace.service.id);
  const dnsrr = trace.kind === 'service' && trace.service?.endpointMode === 'dnsrr';
  const columns = dnsrr ? ['Source', 'DNS', 'Tasks'] : ['Source', 'DNS', 'VIP', 'Mark', 'IPVS', 'Tasks'];
  // A service's own name is the query the picture follows; a container shows every name it asked.
  const queries = trace.kind === 'service' ? trace.dns.filter((d) => d.query === trace.service?.name) : trace.dns.filter((d) => !d.query.startsWith('tasks.'));
  const branches = queries.map((d) => dnsBranch(trace, d, serviceRefs));
  // No DNS answer to follow (no source container): start from the service's VIPs.
  if (branches.length === 0 && trace.kind === 'service' && trace.service && !dnsrr) {
    const roots = trace.vips.map((v) => vipChain(trace, v.address, v.network, trace.service!.name, trace.service!.id, 2));
    return { columns, roots, summary: `Virtual IPs of ${trace.service.name} and where their load balancers send connections.` };
  }
  const src = sourceNode(trace);
  if (src) for (const b of branches) link(src, b);
  const what = trace.kind === 'service' ? `service ${trace.service?.name}` : `every service the container ${src?.title ?? ''} can resolve`;
  return {
    columns,
    roots: src ? [src] : branches,
    summary: `How a connection from ${src?.title ?? 'a container'} to ${what} is resolved and balanced, on node ${trace.node}.`,
  };
}
