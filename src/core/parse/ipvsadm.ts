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
import { words } from './lines';
import { decodeProcAddress, decodeTextAddress, isProcHexAddress, type DecodedAddress } from './ipvsAddress';
import { scan, type BlockFactory, type BlockParser } from './scan';
import type { IpvsBackend, IpvsForward, IpvsParseResult, IpvsProtocol, IpvsService, IpvsStats } from './types';
import { isHexDigits, parseCount, parseDecimal } from './values';

type ListMode = 'list' | 'stats' | 'rate' | 'thresholds' | 'persistent' | 'tuninfo';

const FORWARDS = new Set<string>(['Masq', 'Route', 'Tunnel', 'Local']);
const SERVICE_PROTOCOLS = new Set<string>(['FWM', 'TCP', 'UDP', 'SCTP']);
const SCHEDULER = /^[a-z][a-z0-9_-]{0,15}$/;

export interface IpvsListOptions {
  /** true: /proc hex; false: ipvsadm text; null: decide per token (leading-zero 8-digit marks, 8:4 hex). */
  hex: boolean | null;
}

function stats(kind: 'stats' | 'rate', n: (number | null)[]): IpvsStats {
  return { kind, conns: n[0] ?? null, inPackets: n[1] ?? null, outPackets: n[2] ?? null, inBytes: n[3] ?? null, outBytes: n[4] ?? null };
}

function counts(ws: string[]): (number | null)[] {
  return ws.map((w) => parseCount(w));
}

/** Parser state for one ipvsadm -L (or /proc/net/ip_vs) block. */
export class IpvsListBlock implements BlockParser {
  readonly services: IpvsService[] = [];
  private current: IpvsService | null = null;
  private mode: ListMode = 'list';
  private hexSeen: boolean;
  private readonly hex: boolean | null;

  constructor(opts: IpvsListOptions) {
    this.hex = opts.hex;
    this.hexSeen = opts.hex === true;
  }

  private decode(tok: string): DecodedAddress | null {
    if (this.hex === true || (this.hex === null && (isProcHexAddress(tok) || (this.hexSeen && tok.charAt(0) === '[')))) {
      const d = decodeProcAddress(tok);
      if (d !== null) this.hexSeen = true;
      return d ?? (this.hex === true ? null : decodeTextAddress(tok, true));
    }
    return decodeTextAddress(tok, true);
  }

  feed(t: string, lineNo: number): boolean {
    if (t.startsWith('IP Virtual Server version')) return true;
    if (t.startsWith('Prot LocalAddress:Port')) {
      this.mode = t.indexOf('Conns') >= 0 ? 'stats' : t.indexOf('CPS') >= 0 ? 'rate' : 'list';
      return true;
    }
    if (t.startsWith('->')) {
      const rest = t.slice(2).trim();
      if (rest.startsWith('RemoteAddress:Port')) {
        if (rest.indexOf('Uthreshold') >= 0) this.mode = 'thresholds';
        else if (rest.indexOf('PersistConn') >= 0) this.mode = 'persistent';
        else if (rest.indexOf('TunnelInfo') >= 0) this.mode = 'tuninfo';
        return true;
      }
      if (this.current === null) return false;
      const b = this.parseBackend(words(rest));
      if (b === null) return false;
      this.current.backends.push(b);
      return true;
    }
    const s = this.parseService(words(t), lineNo);
    if (s === null) return false;
    this.services.push(s);
    this.current = s;
    return true;
  }

  private parseService(w: string[], lineNo: number): IpvsService | null {
    const proto = w[0];
    if (proto === undefined || !SERVICE_PROTOCOLS.has(proto) || w.length < 3) return null;
    const s: IpvsService = {
      protocol: proto as IpvsProtocol,
      fwmark: null,
      address: null,
      host: null,
      port: null,
      scheduler: null,
      flags: '',
      ipv6: false,
      backends: [],
      stats: null,
      truncated: false,
      line: lineNo,
    };
    let i = 2;
    if (proto === 'FWM') {
      const m = w[1]!;
      // ipvsadm prints the mark in decimal, /proc in 8 zero-padded hex digits.
      const hex = this.hex ?? (m.length === 8 && m.charAt(0) === '0' && isHexDigits(m));
      const v = hex ? (isHexDigits(m) && m.length <= 8 ? parseInt(m, 16) : null) : parseDecimal(m);
      if (v === null || v > 0xffffffff) return null;
      if (hex) this.hexSeen = true;
      s.fwmark = v;
      if (w[2] === 'IPv6') {
        s.ipv6 = true;
        i = 3;
      }
    } else {
      const d = this.decode(w[1]!);
      if (d === null) return null;
      s.address = d.address;
      s.host = d.host;
      s.port = d.port;
      s.truncated = d.truncated;
      s.ipv6 = w[1]!.charAt(0) === '[' || (d.address !== null && d.address.indexOf(':') >= 0);
    }
    const rest = w.slice(i);
    if (rest.length === 0) return null;
    if (this.mode === 'stats' || this.mode === 'rate' || (rest.length === 5 && parseCount(rest[0]!) !== null)) {
      const n = counts(rest);
      if (n.length !== 5 || n.some((x) => x === null)) return null;
      s.stats = stats(this.mode === 'rate' ? 'rate' : 'stats', n);
      return s;
    }
    if (!SCHEDULER.test(rest[0]!)) return null;
    s.scheduler = rest[0]!;
    s.flags = rest.slice(1).join(' ');
    return s;
  }

  private parseBackend(w: string[]): IpvsBackend | null {
    if (w.length < 2) return null;
    const d = this.decode(w[0]!);
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
      const n = counts(w.slice(1));
      if (n.length !== 5 || n.some((x) => x === null)) return null;
      b.stats = stats(this.mode, n);
      return b;
    }
    let j = 1;
    const fw = w[1]!;
    if (FORWARDS.has(fw)) {
      b.forward = fw as IpvsForward;
      j = 2;
    } else if (/^[A-Z][A-Za-z]+$/.test(fw)) {
      j = 2; // a forwarding method this model does not name (FullNat in forks)
    }
    if (this.mode === 'tuninfo' && j === 2) j = 3;
    const n = counts(w.slice(j));
    if (n.some((x) => x === null)) return null;
    if (n.length === 3) {
      b.weight = n[0]!;
      b.activeConnections = n[1]!;
      b.inactiveConnections = n[2]!;
    } else if (n.length === 4) {
      // --thresholds without a forward column: Uthreshold Lthreshold; --persistent-conn: Weight PersistConn.
      if (!(j === 1 && this.mode === 'thresholds')) b.weight = n[0]!;
      b.activeConnections = n[2]!;
      b.inactiveConnections = n[3]!;
    } else if (n.length === 5) {
      // Weight Uthreshold Lthreshold ActiveConn InActConn.
      b.weight = n[0]!;
      b.activeConnections = n[3]!;
      b.inactiveConnections = n[4]!;
    } else {
      return null;
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
export function startsIpvsList(t: string): boolean {
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
