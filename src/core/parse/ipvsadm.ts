/**
 * `ipvsadm -L` listings: -n or resolved names, and the --stats, --rate, --thresholds,
 * --persistent-conn variants. /proc/net/ip_vs has the same layout with hex addresses and marks,
 * so the same block parser reads it (see procIpVs.ts).
 *
 *   IP Virtual Server version 1.2.1 (size=4096)
 *   Prot LocalAddress:Port Scheduler Flags
 *     -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
 *   FWM  259 rr
 *     -> 10.0.0.10:0                  Masq    1      0          0
 *
 * Column positions are not trusted (pasted rows drift: an extra space, rst indentation eating the
 * leading `  `); rows are split on whitespace and read by position within the row.
 */
import type { CommandHints } from './lines';
import { fieldsInto } from './lines';
import { decodeProcAddressAt, decodeTextAddressAt, isProcHexAddressAt, type DecodedAddress } from './ipvsAddress';
import { internAt } from './tokens';
import { scan, type BlockFactory, type BlockParser } from './scan';
import type { IpvsBackend, IpvsForward, IpvsParseResult, IpvsProtocol, IpvsService, IpvsStats } from './types';
import { countAt, decimalAt, isHexDigits } from './values';

type ListMode = 'list' | 'stats' | 'rate' | 'thresholds' | 'persistent' | 'tuninfo';

const FORWARDS = new Set<string>(['Masq', 'Route', 'Tunnel', 'Local']);
const SERVICE_PROTOCOL_LIST = ['FWM', 'TCP', 'UDP', 'SCTP'];
const SERVICE_PROTOCOLS = new Set<string>(SERVICE_PROTOCOL_LIST);
const SCHEDULER = /^[a-z][a-z0-9_-]{0,15}$/;

export interface IpvsListOptions {
  /** true: /proc hex; false: ipvsadm text; null: decide per token (leading-zero 8-digit marks, 8:4 hex). */
  hex: boolean | null;
}

const FORWARD_NAMES: readonly IpvsForward[] = ['Masq', 'Route', 'Tunnel', 'Local'];

/** Parser state for one ipvsadm -L (or /proc/net/ip_vs) block. Rows are read as field ranges
 *  (fieldsInto) and only the values kept are copied: listings of thousands of backends are the
 *  common large input. */
export class IpvsListBlock implements BlockParser {
  readonly services: IpvsService[] = [];
  private current: IpvsService | null = null;
  private mode: ListMode = 'list';
  private hexSeen: boolean;
  private readonly hex: boolean | null;
  private readonly f = new Int32Array(24);

  constructor(opts: IpvsListOptions) {
    this.hex = opts.hex;
    this.hexSeen = opts.hex === true;
  }

  private decode(t: string, a: number, b: number): DecodedAddress | null {
    if (this.hex === true || (this.hex === null && (isProcHexAddressAt(t, a, b) || (this.hexSeen && t.charCodeAt(a) === 91)))) {
      const d = decodeProcAddressAt(t, a, b);
      if (d !== null) this.hexSeen = true;
      return d ?? (this.hex === true ? null : decodeTextAddressAt(t, a, b, true));
    }
    return decodeTextAddressAt(t, a, b, true);
  }

  feed(t: string, lineNo: number): boolean {
    const c0 = t.charCodeAt(0);
    if (c0 === 73 /* I */ && t.startsWith('IP Virtual Server version')) return true;
    if (c0 === 80 /* P */ && t.startsWith('Prot LocalAddress:Port')) {
      this.mode = t.indexOf('Conns') >= 0 ? 'stats' : t.indexOf('CPS') >= 0 ? 'rate' : 'list';
      return true;
    }
    const n = fieldsInto(t, this.f);
    if (c0 === 45 /* - */ && t.charCodeAt(1) === 62 /* > */) {
      if (t.startsWith('RemoteAddress:Port', this.f[2])) {
        if (t.indexOf('Uthreshold') >= 0) this.mode = 'thresholds';
        else if (t.indexOf('PersistConn') >= 0) this.mode = 'persistent';
        else if (t.indexOf('TunnelInfo') >= 0) this.mode = 'tuninfo';
        return true;
      }
      if (this.current === null || this.f[1] !== 2) return false;
      const b = this.parseBackend(t, n);
      if (b === null) return false;
      this.current.backends.push(b);
      return true;
    }
    const s = this.parseService(t, n, lineNo);
    if (s === null) return false;
    this.services.push(s);
    this.current = s;
    return true;
  }

  /** Reads fields [from, n) as 5 counters into a stats record; null if any is not a counter. */
  private stats(t: string, from: number, n: number, kind: 'stats' | 'rate'): IpvsStats | null {
    if (n - from !== 5) return null;
    const f = this.f;
    const v: number[] = [];
    for (let k = from; k < n; k++) {
      const x = countAt(t, f[2 * k]!, f[2 * k + 1]!);
      if (x < 0) return null;
      v.push(x);
    }
    return { kind, conns: v[0]!, inPackets: v[1]!, outPackets: v[2]!, inBytes: v[3]!, outBytes: v[4]! };
  }

  private parseService(t: string, n: number, lineNo: number): IpvsService | null {
    const f = this.f;
    if (n < 3 || n >= f.length >> 1) return null;
    const proto = internAt(t, f[0]!, f[1]!, SERVICE_PROTOCOL_LIST);
    if (!SERVICE_PROTOCOLS.has(proto)) return null;
    const s = newIpvsService(proto as IpvsProtocol, false, lineNo);
    let i = 2;
    const a1 = f[2]!;
    const b1 = f[3]!;
    if (proto === 'FWM') {
      // ipvsadm prints the mark in decimal, /proc in 8 zero-padded hex digits.
      const word = t.slice(a1, b1);
      const hex = this.hex ?? (word.length === 8 && word.charCodeAt(0) === 48 && isHexDigits(word));
      // /proc always prints eight digits: anything else is not /proc's (parseProcIpVs on -Ln text).
      const v = hex ? (word.length === 8 && isHexDigits(word) ? parseInt(word, 16) : -1) : decimalAt(t, a1, b1);
      if (v < 0 || v > 0xffffffff) return null;
      if (hex) this.hexSeen = true;
      s.fwmark = v;
      if (t.startsWith('IPv6', f[4]!) && f[5]! - f[4]! === 4) {
        s.ipv6 = true;
        i = 3;
      }
    } else {
      const d = this.decode(t, a1, b1);
      if (d === null) return null;
      s.address = d.address;
      s.host = d.host;
      s.port = d.port;
      s.truncated = d.truncated;
      s.ipv6 = t.charCodeAt(a1) === 91 || (d.address !== null && d.address.indexOf(':') >= 0);
    }
    if (i >= n) return null;
    const ra = f[2 * i]!;
    const rb = f[2 * i + 1]!;
    if (this.mode === 'stats' || this.mode === 'rate' || (n - i === 5 && countAt(t, ra, rb) >= 0)) {
      s.stats = this.stats(t, i, n, this.mode === 'rate' ? 'rate' : 'stats');
      return s.stats === null ? null : s;
    }
    const sched = t.slice(ra, rb);
    if (!SCHEDULER.test(sched)) return null;
    s.scheduler = sched;
    s.flags = i + 1 < n ? t.slice(f[2 * i + 2]!).trim() : '';
    return s;
  }

  private parseBackend(t: string, n: number): IpvsBackend | null {
    const f = this.f;
    if (n < 3 || n >= f.length >> 1) return null;
    const d = this.decode(t, f[2]!, f[3]!);
    if (d === null) return null;
    const b: IpvsBackend = {
      address: d.address,
      host: d.host,
      port: d.port,
      forward: null,
      weight: null,
      activeConnections: null,
      inactiveConnections: null,
      truncated: d.truncated,
      stats: null,
    };
    if (this.mode === 'stats' || this.mode === 'rate') {
      b.stats = this.stats(t, 2, n, this.mode);
      return b.stats === null ? null : b;
    }
    let j = 2;
    const fa = f[4]!;
    const fb = f[5]!;
    const fw = internAt(t, fa, fb, FORWARD_NAMES);
    if (FORWARDS.has(fw)) {
      b.forward = fw as IpvsForward;
      j = 3;
    } else if (/^[A-Z][A-Za-z]+$/.test(fw)) {
      j = 3; // a forwarding method this model does not name (FullNat in forks)
    }
    if (this.mode === 'tuninfo' && j === 3) j = 4;
    const count = n - j;
    if (count < 3 || count > 5) return null;
    // Up to five numbers after the forward column; which ones mean what depends on the count.
    let x0 = 0;
    let x1 = 0;
    let x2 = 0;
    let x3 = 0;
    let x4 = 0;
    for (let k = 0; k < count; k++) {
      const v = countAt(t, f[2 * (j + k)]!, f[2 * (j + k) + 1]!);
      if (v < 0) return null;
      if (k === 0) x0 = v;
      else if (k === 1) x1 = v;
      else if (k === 2) x2 = v;
      else if (k === 3) x3 = v;
      else x4 = v;
    }
    if (count === 3) {
      b.weight = x0;
      b.activeConnections = x1;
      b.inactiveConnections = x2;
    } else if (count === 4) {
      // --thresholds without a forward column: Uthreshold Lthreshold; --persistent-conn: Weight PersistConn.
      if (!(j === 2 && this.mode === 'thresholds')) b.weight = x0;
      b.activeConnections = x2;
      b.inactiveConnections = x3;
    } else {
      // Weight Uthreshold Lthreshold ActiveConn InActConn.
      b.weight = x0;
      b.activeConnections = x3;
      b.inactiveConnections = x4;
    }
    return b;
  }

  blank(): void {
    // ipvsadm prints no blank lines; a pasted one changes nothing.
  }

  finish(): void {
    // Nothing pending: services are complete as they are read.
  }
}

/** Whether a line can begin an ipvsadm -L / /proc/net/ip_vs block. */
function startsIpvsList(t: string): boolean {
  if (t.startsWith('IP Virtual Server version') || t.startsWith('Prot LocalAddress:Port')) return true;
  if (t.startsWith('->')) return t.slice(2).trim().startsWith('RemoteAddress:Port');
  const sp = t.indexOf(' ');
  if (sp < 3 || !SERVICE_PROTOCOLS.has(t.slice(0, sp))) return false;
  // Only a well-formed service line starts a block ("TCP is ..." in prose does not).
  return new IpvsListBlock({ hex: null }).feed(t, 0);
}

export function ipvsListFactory(forceHex: boolean | null): BlockFactory<IpvsListBlock> {
  return {
    format: 'ipvs-list',
    starts: (t) => startsIpvsList(t),
    create: (hints: CommandHints) => new IpvsListBlock({ hex: forceHex ?? (hints.ipvs?.proc === true ? true : null) }),
  };
}

function collect(text: string, factory: BlockFactory<IpvsListBlock>): IpvsParseResult {
  const res = scan(text, [factory]);
  const services: IpvsService[] = [];
  for (const b of res.blocks) for (const s of (b.parser as IpvsListBlock).services) services.push(s);
  return { services, skippedLines: res.skippedLines };
}

/**
 * Parses `ipvsadm [-L] [-n] [--stats|--rate|--thresholds|--persistent-conn]` output, with prompts
 * and prose around it. Names are kept as `host` (possibly cut to 28 characters, see `truncated`).
 */
export function parseIpvsadm(text: string): IpvsParseResult {
  return collect(text, ipvsListFactory(null));
}

/** Same as parseIpvsadm but every address and mark is read as /proc/net/ip_vs hex. */
export function parseIpvsListHex(text: string): IpvsParseResult {
  return collect(text, ipvsListFactory(true));
}

/** A virtual service with nothing known yet but its protocol; every listing form fills it in. */
export function newIpvsService(protocol: IpvsProtocol, ipv6: boolean, line: number): IpvsService {
  return { protocol, fwmark: null, address: null, host: null, port: null, scheduler: null, flags: '', ipv6, backends: [], stats: null, truncated: false, line };
}

/** A backend's public fields, as the explain contract and a trace's IPVS step show them. */
export function backendFields(b: IpvsBackend): Pick<IpvsBackend, 'address' | 'host' | 'port' | 'forward' | 'weight' | 'activeConnections' | 'inactiveConnections'> {
  return {
    address: b.address,
    host: b.host,
    port: b.port,
    forward: b.forward,
    weight: b.weight,
    activeConnections: b.activeConnections,
    inactiveConnections: b.inactiveConnections,
  };
}
