/**
 * `ipvsadm -Lnc`: the IPVS connection table, as the probe prints it (numeric, no persistence
 * columns). Strict: only this exact layout is read; anything else is counted as skipped.
 *
 *   IPVS connection entries
 *   pro expire state       source             virtual            destination
 *   TCP 14:59  ESTABLISHED 10.0.1.7:41234     10.0.1.5:80        10.0.1.9:80
 *
 * `expire` is minutes:seconds (minutes may pass 99: `180:03`). `virtual` is the address the client
 * connected to: for the FWM services Docker programs, the VIP (or, in ingress_sbox, the address
 * the host's DNAT sent the published port to), never the mark. IPv6 addresses come as `[a::b]:port`.
 */
import { internAt } from './tokens';
import { decimalAt, isIPv4At, isIPv6 } from './values';

export interface IpvsEndpoint {
  address: string;
  port: number;
}

export interface IpvsConnection {
  /** TCP, UDP, SCTP (the kernel's protocol name). */
  protocol: string;
  expiresInSeconds: number;
  /** IPVS's state name: ESTABLISHED, SYN_RECV, FIN_WAIT, TIME_WAIT, CLOSE, NONE (a template), UDP... */
  state: string;
  client: IpvsEndpoint;
  virtual: IpvsEndpoint;
  backend: IpvsEndpoint;
  /** 1-based line in the parsed text. */
  line: number;
}

export interface IpvsConnectionsResult {
  connections: IpvsConnection[];
  /** Whether ipvsadm's header was there: false for an error message or for other output. */
  recognised: boolean;
  skippedLines: number;
}

const HEADER = /^pro +expire +state +source +virtual +destination$/;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const STATES = ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK', 'NONE', 'UDP'];

/** Whether s[a, b) is min to max characters of A-Z (after the first also `_` and `!` when `more`). */
function isNameAt(s: string, a: number, b: number, min: number, max: number, more: boolean): boolean {
  if (b - a < min || b - a > max) return false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (more && i > a && (c === 95 || c === 33)))) return false;
  }
  return true;
}

/** `10.0.1.7:41234` or `[fd00::7]:41234` in s[a, b). */
function endpointAt(s: string, a: number, b: number): IpvsEndpoint | null {
  const colon = s.lastIndexOf(':', b - 1);
  if (colon <= a || b - colon - 1 > 5) return null;
  const port = decimalAt(s, colon + 1, b);
  if (port < 0 || port > 65535) return null;
  if (s.charCodeAt(a) === 91 /* [ */) {
    if (s.charCodeAt(colon - 1) !== 93 /* ] */) return null;
    const inner = s.slice(a + 1, colon - 1);
    return isIPv6(inner) ? { address: inner, port } : null;
  }
  return isIPv4At(s, a, colon) ? { address: s.slice(a, colon), port } : null;
}

/** Field ranges of the row being read (start, end pairs). */
const f = new Int32Array(16);

/** One row in text[start, stop), read in place (no copy of the line); null when it is not one. */
function rowAt(text: string, start: number, stop: number, line: number, shared: (e: IpvsEndpoint) => IpvsEndpoint): IpvsConnection | null {
  let n = 0;
  for (let i = start; i < stop && n < 8; ) {
    while (i < stop && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (i >= stop) break;
    f[2 * n] = i;
    while (i < stop && text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 9) i++;
    f[2 * n + 1] = i;
    n++;
  }
  if (n !== 6 || !isNameAt(text, f[0]!, f[1]!, 2, 5, false) || !isNameAt(text, f[4]!, f[5]!, 1, 16, true)) return null;
  const colon = text.indexOf(':', f[2]!);
  const minutes = colon > 0 && colon < f[3]! && colon - f[2]! <= 7 ? decimalAt(text, f[2]!, colon) : -1;
  const seconds = f[3]! - colon === 3 ? decimalAt(text, colon + 1, f[3]!) : -1;
  if (minutes < 0 || seconds < 0 || seconds > 59) return null;
  const client = endpointAt(text, f[6]!, f[7]!);
  const virtual = endpointAt(text, f[8]!, f[9]!);
  const backend = endpointAt(text, f[10]!, f[11]!);
  if (!client || !virtual || !backend) return null;
  const protocol = internAt(text, f[0]!, f[1]!, PROTOCOLS);
  const state = internAt(text, f[4]!, f[5]!, STATES);
  return { protocol, expiresInSeconds: minutes * 60 + seconds, state, client, virtual: shared(virtual), backend: shared(backend), line };
}

/** Parses `ipvsadm -Lnc` output; never throws. */
export function parseIpvsConnections(text: string): IpvsConnectionsResult {
  const result: IpvsConnectionsResult = { connections: [], recognised: false, skippedLines: 0 };
  if (typeof text !== 'string') return result;
  let title = false;
  // A table repeats few virtual and backend addresses: one shared (read-only) endpoint each.
  const seen = new Map<string, IpvsEndpoint>();
  const shared = (e: IpvsEndpoint): IpvsEndpoint => {
    const key = `${e.address} ${e.port}`;
    const known = seen.get(key);
    if (known) return known;
    seen.set(key, e);
    return e;
  };
  // Row by row in place, without splitting the text: a big table stays one pass over it.
  for (let start = 0, lineNo = 1; start <= text.length; lineNo++) {
    let stop = text.indexOf('\n', start);
    if (stop < 0) stop = text.length;
    const end = stop > start && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
    const row = result.recognised ? rowAt(text, start, end, lineNo, shared) : null;
    if (row) {
      result.connections.push(row);
      start = stop + 1;
      continue;
    }
    const line = text.slice(start, end).trim();
    start = stop + 1;
    if (line === '') continue;
    if (result.recognised) result.skippedLines++;
    else if (line === 'IPVS connection entries') title = true;
    else if (title && HEADER.test(line)) result.recognised = true;
    else {
      title = false;
      result.skippedLines++;
    }
  }
  return result;
}
