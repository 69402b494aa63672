/**
 * `ipvsadm -S` / `--save` output: the table as the commands that would rebuild it.
 *
 *   -A -f 259 -s rr
 *   -a -f 259 -r 10.0.0.10:0 -m -w 1
 *   -A -t 10.0.0.9:80 -s rr -p 300
 *   -a -t 10.0.0.9:80 -r 10.0.0.10:80 -g -w 1
 *
 * Forwarding: -m Masq, -g Route (ipvsadm's default; also how a Local server is saved), -i Tunnel.
 * Without -n the addresses are names (not cut, unlike -L). A `-a` whose `-A` was trimmed from
 * the paste still yields its service.
 */
import type { CommandHints } from './lines';
import { decodeTextAddress } from './ipvsAddress';
import { newIpvsService } from './ipvsadm';
import { scan, type BlockFactory, type BlockParser } from './scan';
import { tokenize } from './tokens';
import type { IpvsBackend, IpvsForward, IpvsParseResult, IpvsProtocol, IpvsService } from './types';
import { parseDecimal, parseMark } from './values';

const ADD_SERVICE = new Set(['-A', '--add-service', '-E', '--edit-service']);
const ADD_SERVER = new Set(['-a', '--add-server', '-e', '--edit-server']);
const SERVICE_SPEC: Record<string, IpvsProtocol> = {
  '-t': 'TCP',
  '--tcp-service': 'TCP',
  '-u': 'UDP',
  '--udp-service': 'UDP',
  '--sctp-service': 'SCTP',
  '-f': 'FWM',
  '--fwmark-service': 'FWM',
};
const FORWARD_FLAG: Record<string, IpvsForward> = {
  '-m': 'Masq',
  '--masquerading': 'Masq',
  '-g': 'Route',
  '--gatewaying': 'Route',
  '-i': 'Tunnel',
  '--ipip': 'Tunnel',
};
/** Options whose next word is their value (skipped or kept as flags). */
const VALUED = new Set(['-s', '--scheduler', '-M', '--netmask', '--pe', 'pe', '-b', '--sched-flags', '-x', '--u-threshold', '-y', '--l-threshold', '--tun-type', '--tun-port', '--tun-nocheck', '--tun-csum']);

interface SaveLine {
  op: 'service' | 'server';
  protocol: IpvsProtocol;
  spec: string;
  ipv6: boolean;
  scheduler: string | null;
  flags: string[];
  server: string | null;
  forward: IpvsForward | null;
  weight: number | null;
}

function readLine(tokens: string[]): SaveLine | null {
  const op = tokens[0];
  if (op === undefined) return null;
  const isService = ADD_SERVICE.has(op);
  if (!isService && !ADD_SERVER.has(op)) return null;
  // ipvsadm writes the service right after -A/-a; iptables' `-A CHAIN` never has an option there.
  if (tokens[1] === undefined || !Object.prototype.hasOwnProperty.call(SERVICE_SPEC, tokens[1])) return null;
  const l: SaveLine = {
    op: isService ? 'service' : 'server',
    protocol: 'TCP',
    spec: '',
    ipv6: false,
    scheduler: null,
    flags: [],
    server: null,
    forward: null,
    weight: null,
  };
  let hasSpec = false;
  for (let i = 1; i < tokens.length; i++) {
    const w = tokens[i]!;
    const proto = Object.prototype.hasOwnProperty.call(SERVICE_SPEC, w) ? SERVICE_SPEC[w] : undefined;
    if (proto !== undefined) {
      l.protocol = proto;
      l.spec = tokens[++i] ?? '';
      hasSpec = l.spec.length > 0 && l.spec.charAt(0) !== '-';
      continue;
    }
    const fwd = Object.prototype.hasOwnProperty.call(FORWARD_FLAG, w) ? FORWARD_FLAG[w] : undefined;
    if (fwd !== undefined) {
      l.forward = fwd;
      continue;
    }
    if (w === '-6' || w === '--ipv6') l.ipv6 = true;
    else if (w === '-r' || w === '--real-server') l.server = tokens[++i] ?? null;
    else if (w === '-w' || w === '--weight') l.weight = parseDecimal(tokens[++i] ?? '');
    else if (w === '-s' || w === '--scheduler') l.scheduler = tokens[++i] ?? null;
    else if (w === '-p' || w === '--persistent') {
      // The timeout is optional.
      const next = tokens[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        l.flags.push(`persistent ${next}`);
        i++;
      } else l.flags.push('persistent');
    } else if (w === '-o' || w === '--ops' || w === 'ops') l.flags.push('ops');
    else if (VALUED.has(w)) {
      const v = tokens[++i] ?? '';
      if (w === '-M' || w === '--netmask') l.flags.push(`mask ${v}`);
      else if (w === '--pe' || w === 'pe') l.flags.push(`pe ${v}`);
      else if (w === '-b' || w === '--sched-flags') l.flags.push(`(${v})`);
    }
  }
  return hasSpec ? l : null;
}

/** Parser state for one ipvsadm -S block. */
export class IpvsSaveBlock implements BlockParser {
  readonly services: IpvsService[] = [];
  private readonly byKey = new Map<string, IpvsService>();

  private service(l: SaveLine, lineNo: number): IpvsService | null {
    const key = `${l.protocol}|${l.spec}|${l.ipv6 ? 6 : 4}`;
    let s = this.byKey.get(key);
    if (s !== undefined) return s;
    s = newIpvsService(l.protocol, l.ipv6, lineNo);
    if (l.protocol === 'FWM') {
      s.fwmark = parseMark(l.spec);
      if (s.fwmark === null) return null;
    } else {
      const d = decodeTextAddress(l.spec, false);
      if (d === null) return null;
      s.address = d.address;
      s.host = d.host;
      s.port = d.port;
      s.ipv6 = s.ipv6 || l.spec.charAt(0) === '[';
    }
    this.byKey.set(key, s);
    this.services.push(s);
    return s;
  }

  feed(t: string, lineNo: number): boolean {
    const l = readLine(tokenize(t));
    if (l === null) return false;
    if (l.op === 'service') {
      const s = this.service(l, lineNo);
      if (s === null) return false;
      if (l.scheduler !== null) s.scheduler = l.scheduler;
      if (l.flags.length > 0) s.flags = l.flags.join(' ');
      return true;
    }
    if (l.server === null) return false;
    const d = decodeTextAddress(l.server, false);
    if (d === null) return false;
    const s = this.service(l, lineNo);
    if (s === null) return false;
    const b: IpvsBackend = {
      address: d.address,
      host: d.host,
      port: d.port,
      // ipvsadm's default method is -g; -S always writes one, a hand-trimmed line may not.
      forward: l.forward ?? 'Route',
      weight: l.weight ?? 1,
      activeConnections: null,
      inactiveConnections: null,
      truncated: false,
      stats: null,
    };
    s.backends.push(b);
    return true;
  }

  blank(): void {
    // Nothing to do: each line stands alone.
  }

  finish(): void {
    // Nothing pending.
  }
}

/** Whether a line can begin an ipvsadm -S block (`-A -f 259 ...`, `-a -t 10.0.0.9:80 ...`). */
function startsIpvsSave(t: string): boolean {
  const c0 = t.charAt(0);
  if (c0 !== '-') return false;
  return readLine(tokenize(t.slice(0, 300))) !== null;
}

export const ipvsSaveFactory: BlockFactory<IpvsSaveBlock> = {
  format: 'ipvs-save',
  starts: (t) => startsIpvsSave(t),
  create: (_hints: CommandHints) => new IpvsSaveBlock(),
};

/** Parses `ipvsadm -S [-n]` output into the same shape as parseIpvsadm (no connection counts). */
export function parseIpvsadmSave(text: string): IpvsParseResult {
  const res = scan(text, [ipvsSaveFactory]);
  const services: IpvsService[] = [];
  for (const b of res.blocks) for (const s of (b.parser as IpvsSaveBlock).services) services.push(s);
  return { services, skippedLines: res.skippedLines };
}
