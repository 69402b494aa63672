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
import { isIPv4, isIPv6 } from './values';

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

const ROW = /^([A-Z]{2,5}) +(\d{1,7}):([0-5]\d) +([A-Z][A-Z_!]{0,15}) +(\S+) +(\S+) +(\S+)$/;
const HEADER = /^pro +expire +state +source +virtual +destination$/;

function endpoint(token: string): IpvsEndpoint | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(token);
  if (!m) return null;
  const address = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535 || !(m[1] ? isIPv6(address) : isIPv4(address))) return null;
  return { address, port };
}

/** Parses `ipvsadm -Lnc` output; never throws. */
export function parseIpvsConnections(text: string): IpvsConnectionsResult {
  const result: IpvsConnectionsResult = { connections: [], recognised: false, skippedLines: 0 };
  if (typeof text !== 'string') return result;
  const lines = text.split('\n');
  let title = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (!result.recognised) {
      if (line === 'IPVS connection entries') title = true;
      else if (title && HEADER.test(line)) result.recognised = true;
      else {
        title = false;
        result.skippedLines++;
      }
      continue;
    }
    const m = ROW.exec(line);
    const client = m && endpoint(m[5]!);
    const virtual = m && endpoint(m[6]!);
    const backend = m && endpoint(m[7]!);
    if (!m || !client || !virtual || !backend) {
      result.skippedLines++;
      continue;
    }
    result.connections.push({ protocol: m[1]!, expiresInSeconds: Number(m[2]) * 60 + Number(m[3]), state: m[4]!, client, virtual, backend, line: i + 1 });
  }
  return result;
}
