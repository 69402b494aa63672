// Where each probe connection went, counted from the node's IPVS (its connection table, matched
// by our source ports, and its counters before and after), not from what the application
// answered: it works for any TCP service. Pure: the same dump always gives the same report.
import { parseIpvsadm, parseIpvsConnections } from '../parse';
import type { TrafficDump, TrafficRequest } from '../netns/script';
import { PROBE_VERSION, type ProbeBackend, type ProbeFinding, type ProbeReport } from './types';

/** A backend the probe expects, or one it should see getting nothing. */
export interface PoolMember {
  address: string;
  task: string | null;
  node: string | null;
  weight: number | null;
  /** Why it takes no share: `weight 0`, `shutdown`... */
  notServing?: string;
}

export interface ProbePlan {
  service: string;
  from: string;
  node: string;
  mode: ProbeReport['mode'];
  /** What was dialled (a VIP, a node address); null for dnsrr. */
  vip: string | null;
  scheduler: string | null;
  /** The firewall mark of the IPVS service whose counters are compared; null without IPVS (dnsrr). */
  fwmark: number | null;
  pool: PoolMember[];
  request: TrafficRequest;
  commands: string[];
}

interface Attempt {
  port: number;
  ok: boolean;
  target: string;
  /** nc's error, or with --http the status line. */
  text: string;
}

/** `40100 ok 10.0.1.5 [HTTP/1.0 200 OK]` / `40101 fail 10.0.1.5 nc: connect to ... refused`. */
export function parseAttempts(text: string): Attempt[] {
  const attempts: Attempt[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{1,5}) (ok|fail) (\S+)(?: (.*))?$/.exec(line.trim());
    if (m) attempts.push({ port: Number(m[1]), ok: m[2] === 'ok', target: m[3], text: (m[4] ?? '').trim() });
  }
  return attempts;
}

/** nc's error in a few words. */
export function failureReason(text: string): string {
  if (/refused/i.test(text)) return 'refused';
  if (/timed out/i.test(text)) return 'timed out';
  if (/no route to host/i.test(text)) return 'no route to host';
  if (/unreachable/i.test(text)) return 'unreachable';
  if (/in use/i.test(text)) return 'source port in use';
  return text ? text.replace(/^nc: /, '').slice(0, 80) : 'no answer';
}

const WHY: Record<string, string> = {
  refused: 'nothing listens on that port there, or the task is not ready',
  'timed out': 'no answer within the connect timeout: the task may be stuck, or a firewall drops the packets',
  'no route to host': 'nothing on this node handles the address (no IPVS service for it, or the task is gone)',
};

const percent = (n: number, of: number) => (of === 0 ? '0%' : `${Math.round((100 * n) / of)}%`);

function label(b: Pick<ProbeBackend, 'address' | 'task' | 'node'>): string {
  return b.task ? `${b.task} on ${b.node ?? '?'} (${b.address})` : b.address;
}

export function countProbe(plan: ProbePlan, dump: TrafficDump | undefined, takenAt: string, durationMs: number, nameOf: (address: string) => { task: string | null; node: string | null }): ProbeReport {
  const s = dump?.sections ?? {};
  const attempts = parseAttempts(s.connects?.output ?? '');
  const ours = new Set(attempts.map((a) => a.port));
  // Our connections in the table: client port -> backend. Later batches' rows for a port win.
  const wentTo = new Map<number, string>();
  for (const c of parseIpvsConnections(s['ipvs-conns']?.output ?? '').connections) {
    if (ours.has(c.client.port) && (plan.mode === 'mesh' || c.virtual.address === plan.vip)) wentTo.set(c.client.port, c.backend.address);
  }
  const rows = new Map<string, ProbeBackend>();
  const row = (address: string): ProbeBackend => {
    let r = rows.get(address);
    if (!r) {
      const named = nameOf(address);
      r = { address, task: named.task, node: named.node, connections: 0, failed: 0, expectedShare: 0, weight: null };
      rows.set(address, r);
    }
    return r;
  };
  const serving = plan.pool.filter((m) => !m.notServing && m.weight !== 0);
  for (const m of plan.pool) {
    const r = row(m.address);
    Object.assign(r, { task: m.task ?? r.task, node: m.node ?? r.node, weight: m.weight });
    if (m.notServing || m.weight === 0) r.notServing = m.notServing ?? 'weight 0';
    else r.expectedShare = 1 / serving.length;
  }
  let unattributed = 0;
  // Failures by reason, each with where they happened (backend address, or '-' when unknown).
  const failures = new Map<string, { count: number; sample: string; where: Map<string, number> }>();
  for (const a of attempts) {
    // dnsrr dials the task itself; through IPVS only the table says which backend it was.
    const address = plan.mode === 'dnsrr' ? a.target : wentTo.get(a.port);
    if (a.ok) {
      if (!address) unattributed++;
      else {
        const r = row(address);
        r.connections++;
        if (plan.request.http && a.text) (r.http ??= {})[a.text] = (r.http[a.text] ?? 0) + 1;
      }
      continue;
    }
    if (address) row(address).failed++;
    const reason = failureReason(a.text);
    const f = failures.get(reason) ?? { count: 0, sample: a.text, where: new Map<string, number>() };
    f.count++;
    f.where.set(address ?? '-', (f.where.get(address ?? '-') ?? 0) + 1);
    failures.set(reason, f);
  }
  const sent = attempts.length;
  const failed = attempts.filter((a) => !a.ok).length;
  const connected = sent - failed;
  const backends = [...rows.values()].sort((a, b) => (a.task ?? a.address).localeCompare(b.task ?? b.address, undefined, { numeric: true }));
  const findings: ProbeFinding[] = [];
  const counted = connected - unattributed;
  for (const b of backends) {
    if (b.notServing) {
      findings.push({ code: 'backend-not-serving', severity: b.connections > 0 ? 'warning' : 'info', address: b.address, message: b.connections > 0 ? `${label(b)} is out of rotation (${b.notServing}) but got ${b.connections} connection(s).` : `${label(b)} got nothing: it is out of rotation (${b.notServing}), as it should be.`, evidence: [`${b.address}: ${b.connections} of ${counted}`] });
      continue;
    }
    if (counted < serving.length) continue;
    const expected = b.expectedShare * counted;
    if (b.connections === 0 && b.failed === 0) {
      findings.push({ code: 'backend-idle', severity: 'warning', address: b.address, message: `${label(b)} got none of the ${counted} connections, where ${plan.scheduler ?? 'the scheduler'} should give it about ${Math.round(expected)}.`, evidence: [`${b.address}: 0 of ${counted}`], fix: 'Trace Load Balancing from the same client shows whether this backend is in the pool with weight > 0; Check Load Balancing compares every node.' });
      continue;
    }
    // Far from the share: beyond three binomial deviations and 5 points (rr itself is exact; other clients shift it).
    const sigma = Math.sqrt(counted * b.expectedShare * (1 - b.expectedShare));
    if (Math.abs(b.connections - expected) > Math.max(3 * sigma, 0.05 * counted)) {
      findings.push({ code: 'spread-uneven', severity: 'warning', address: b.address, message: `${label(b)} got ${percent(b.connections, counted)} of the connections, where ${percent(expected, counted)} was expected.`, evidence: [`${b.address}: ${b.connections} of ${counted}`], fix: 'Other clients using the service at the same time shift a round robin; probe again, or with more connections (-n).' });
    }
  }
  for (const [reason, f] of [...failures].sort((a, b) => b[1].count - a[1].count)) {
    const places = [...f.where].sort((a, b) => b[1] - a[1]);
    const name = (address: string) => (address === '-' ? 'an unknown backend' : label(backends.find((b) => b.address === address) ?? { address, task: null, node: null }));
    const where = places.length === 1 ? `at ${name(places[0][0])}` : `at ${places.length} backends`;
    findings.push({
      code: 'connections-failed',
      severity: 'error',
      ...(places.length === 1 && places[0][0] !== '-' ? { address: places[0][0] } : {}),
      message: `${f.count} of ${sent} connections ${reason === 'no answer' ? 'got no HTTP answer' : `were ${reason}`} ${where}${WHY[reason] ? `: ${WHY[reason]}` : ''}.`,
      evidence: [...(places.length > 1 ? places.map(([a, n]) => `${name(a)}: ${n}`) : []), ...(f.sample ? [f.sample] : [])],
      fix: reason === 'refused' ? `Check the port the tasks listen on (the probe used ${plan.request.port}; --port changes it) and that they are ready.` : "Trace Load Balancing from the same client, and look at the task's logs.",
    });
  }
  if (unattributed > 0) {
    findings.push({ code: 'connections-unattributed', severity: 'info', message: `${unattributed} connection(s) connected but were no longer in IPVS's connection table when read, so their backend is unknown.`, evidence: [], fix: 'Probe with fewer connections (-n), so the table is read before their entries expire.' });
  }
  const stats = plan.fwmark !== null ? statsDelta(s['ipvs-stats-before']?.output, s['ipvs-stats-after']?.output, plan.fwmark) : undefined;
  const seen = connected + failed - unattributed;
  if (stats && stats.total > seen) {
    findings.push({ code: 'other-traffic', severity: 'info', message: `IPVS scheduled ${stats.total - seen} more connection(s) for FWM ${plan.fwmark} during the probe than the probe made: other clients used the service meanwhile.`, evidence: [...stats.backends].map(([a, n]) => `${a}: +${n}`) });
  }
  return {
    version: PROBE_VERSION,
    service: plan.service,
    from: plan.from,
    node: plan.node,
    vip: plan.vip,
    port: plan.request.port,
    mode: plan.mode,
    scheduler: plan.scheduler,
    sent,
    connected,
    failed,
    backends,
    findings,
    takenAt,
    durationMs,
    commands: plan.commands,
  };
}

/** How much each backend's connection counter (`ipvsadm -Ln --stats`) of one FWM service moved between the two reads. */
function statsDelta(before: string | undefined, after: string | undefined, fwmark: number): { total: number; backends: Map<string, number> } | undefined {
  const read = (text: string | undefined) => (text === undefined ? undefined : parseIpvsadm(text).services.find((v) => v.fwmark === fwmark));
  const [a, b] = [read(before), read(after)];
  if (!a?.stats || !b?.stats) return undefined;
  const conns = (v: typeof a, address: string | null) => v.backends.find((x) => x.address === address)?.stats?.conns ?? 0;
  const backends = new Map(b.backends.map((x) => [x.address ?? '?', (x.stats?.conns ?? 0) - conns(a, x.address)]));
  return { total: (b.stats.conns ?? 0) - (a.stats.conns ?? 0), backends };
}
