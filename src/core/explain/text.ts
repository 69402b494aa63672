/**
 * `swarm-lens explain` for people: per host, each VIP and published port with its pool and every
 * backend's forward method and weight, then NAT, DNS and the inspect facts, then what could not
 * be read. It says "ipvsadm output not pasted" rather than "no backends" when the pool was never
 * seen. Pasted text is hostile: control and bidi characters are shown as '?' so a paste cannot
 * drive the terminal.
 */
import type { DumpAnalysis, PoolState } from './explain';
import { hexMark } from '../parse/values';
import { printable } from '../terminalText';
import type { IpvsBackend, IpvsService } from '../parse/types';
import type { ExplainAddress, ExplainDns, ExplainHost, ExplainLb, ExplainNat, ExplainResult } from './types';



function backendLine(b: IpvsBackend): string {
  const where = b.address !== null ? `${b.address.includes(':') ? `[${b.address}]` : b.address}:${b.port ?? '?'}` : `${b.host ?? '?'}${b.port === null ? '' : `:${b.port}`}`;
  const weight = b.weight === null ? 'weight ?' : b.weight === 0 ? 'weight 0 (takes no new connections)' : `weight ${b.weight}`;
  const conns = b.activeConnections === null ? '' : `, ${b.activeConnections} active / ${b.inactiveConnections ?? '?'} inactive`;
  return `      ${where}  ${b.forward ?? 'forward ?'}  ${weight}${conns}`;
}

function serviceHead(s: IpvsService): string {
  const what = s.protocol === 'FWM' ? `FWM ${s.fwmark}` : `${s.protocol} ${s.address ?? s.host}:${s.port ?? '?'}`;
  return `${what} ${s.scheduler ?? ''}`.trimEnd();
}

/** The pool a mark leads to, or why it is not known. */
function poolLines(head: string, mark: number, p: PoolState): string[] {
  if (p.pool !== null) {
    const lines = [`${head} -> ${serviceHead(p.pool)}${p.pool.backends.length === 0 ? ': no backends' : ''}`];
    for (const b of p.pool.backends) lines.push(backendLine(b));
    return lines;
  }
  if (p.listed) return [`${head} -> no IPVS service for FWM ${mark} in the pasted ipvsadm output`];
  return [`${head} -> ipvsadm output not pasted`];
}

function natLine(n: ExplainNat): string {
  const match = [n.protocol, n.destination === null ? null : `dst ${n.destination}`, n.port === null ? null : `port ${n.port}`].filter((x) => x !== null).join(' ');
  return `NAT ${n.table}/${n.chain}: ${n.action}${match ? ` ${match}` : ''}${n.to === null ? '' : ` -> ${n.to}`}`;
}

function dnsLine(d: ExplainDns): string {
  const answers = d.answers.map((a) => (a.ttl === null ? a.address : `${a.address} (ttl ${a.ttl})`)).join(', ');
  return `DNS ${d.name ?? '?'}${d.type === null ? '' : ` ${d.type}`}${d.server === null ? '' : ` @${d.server}`}: ${d.status}${answers ? ` -> ${answers}` : ''}`;
}

/** What pasted ip addr output says of a VIP (nothing when none of that host was pasted). */
function aliasNote(alias: boolean | null): string {
  return alias === null ? '' : alias ? ', VIP alias present' : ', no VIP alias on its load-balancer endpoint';
}

/** One line per interface of an ip addr block: its addresses, the /32 aliases (VIPs) apart. */
function addressLine(iface: string | null, list: ExplainAddress[]): string {
  const own = list.filter((a) => !(a.address.indexOf(':') < 0 && a.prefix === 32 && list.length > 1));
  const aliases = list.filter((a) => own.indexOf(a) < 0);
  const alias = aliases.length === 0 ? '' : `; /32 aliases ${aliases.map((a) => a.address).join(', ')}`;
  return `Interface ${iface ?? '?'}: ${own.map((a) => `${a.address}/${a.prefix}`).join(', ')}${alias}`;
}

function lbLine(l: ExplainLb): string[] {
  const index = l.localLBIndex === null ? '' : `, LocalLBIndex ${l.localLBIndex} (${hexMark(l.localLBIndex)})`;
  const mark = l.vip === null ? '' : l.mark === null ? ', no mark rule pasted' : `, mark ${hexMark(l.mark)} = ${l.mark}`;
  const pool = l.backends === null ? '' : l.backends.length === 0 ? ', no pool in the pasted ipvsadm output' : `, pool ${l.backends.join(', ')}`;
  const out = [`Service ${l.service ?? '?'}${l.network === null ? '' : ` on ${l.network}`}: VIP ${l.vip ?? 'none'}${index}${mark}${pool}${aliasNote(l.alias)}`];
  for (const t of l.tasks) out.push(`      task ${t.name ?? '?'} ${t.address ?? '?'}`);
  return out;
}

type Kind = Exclude<keyof ExplainHost, 'name'>;

/** For each kind of fact, the host each index belongs to (null: no host named). */
function hostOf(r: ExplainResult): (kind: Kind, i: number) => string | null {
  const maps = new Map<Kind, Map<number, string>>();
  for (const h of r.hosts) {
    for (const kind of ['marks', 'ipvs', 'vips', 'dns', 'nat', 'ports', 'lb', 'addresses'] as const) {
      let m = maps.get(kind);
      if (m === undefined) maps.set(kind, (m = new Map()));
      for (const i of h[kind]) m.set(i, h.name);
    }
  }
  return (kind, i) => maps.get(kind)?.get(i) ?? null;
}

/** The text `swarm-lens explain` prints; `verbose` adds the skipped lines themselves. */
export function explainToText(a: DumpAnalysis, verbose: boolean): string {
  const r = a.explain;
  const host = hostOf(r);
  const groups = new Map<string | null, string[]>();
  const put = (kind: Kind, i: number, lines: string[]): void => {
    const h = host(kind, i);
    let g = groups.get(h);
    if (g === undefined) groups.set(h, (g = []));
    for (const l of lines) g.push(l);
  };
  const joined = new Set<IpvsService>();
  r.vips.forEach((v, i) => {
    const p = a.vipPools[i]!;
    if (p.pool !== null) joined.add(p.pool);
    put('vips', i, poolLines(`VIP ${v.destination}: mark ${hexMark(v.mark)} = ${v.mark}${aliasNote(v.alias)}`, v.mark, p));
  });
  r.ports.forEach((p, i) => {
    const pool = a.portPools[i]!;
    if (pool.pool !== null) joined.add(pool.pool);
    put('ports', i, poolLines(`Port ${p.port}/${p.protocol ?? 'any'} (routing mesh): mark ${hexMark(p.mark)} = ${p.mark}`, p.mark, pool));
  });
  r.marks.forEach((m, i) => {
    if (m.destination === null && !(m.port !== null && m.chain === 'PREROUTING')) {
      put('marks', i, [`Mark ${m.hex} = ${m.mark} on ${m.table}/${m.chain}${m.port === null ? '' : ` for port ${m.port}/${m.protocol ?? 'any'}`}`]);
    }
  });
  a.services.forEach((s, i) => {
    if (joined.has(s)) return;
    put('ipvs', i, [`IPVS ${serviceHead(s)}${s.backends.length === 0 ? ': no backends' : ''}`, ...s.backends.map(backendLine)]);
  });
  r.nat.forEach((n, i) => put('nat', i, [natLine(n)]));
  r.dns.forEach((d, i) => put('dns', i, [dnsLine(d)]));
  r.lb.forEach((l, i) => put('lb', i, lbLine(l)));
  // Runs of one interface (of one host) make one line.
  for (let i = 0; i < r.addresses.length; ) {
    const first = r.addresses[i]!;
    let j = i + 1;
    while (j < r.addresses.length && r.addresses[j]!.interface === first.interface && host('addresses', j) === host('addresses', i)) j++;
    put('addresses', i, [addressLine(first.interface, r.addresses.slice(i, j))]);
    i = j;
  }

  const out: string[] = [];
  const named = r.hosts.length > 0;
  // Facts before any host was named come first, under their own heading when hosts follow.
  for (const [h, lines] of [...groups].sort(([x], [y]) => (x === null ? -1 : y === null ? 1 : 0))) {
    if (named) out.push(h === null ? 'No host named:' : `Host ${h}:`);
    for (const l of lines) out.push(named ? `  ${l}` : l);
  }
  if (r.warnings.length > 0) {
    out.push('Warnings:');
    for (const w of r.warnings) out.push(`  - ${w.message}`);
  }
  if (r.skippedLines > 0) {
    out.push(`(${r.skippedLines} lines not understood were skipped${verbose ? '' : '; --verbose shows them'})`);
    if (verbose) {
      for (const s of a.skipped) out.push(`  ${s.line}: ${s.text}`);
      if (a.skipped.length < r.skippedLines) out.push(`  ... and ${r.skippedLines - a.skipped.length} more`);
    }
  }
  return out.map(printable).join('\n');
}
