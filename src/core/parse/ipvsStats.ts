/**
 * `ipvsadm -Ln --stats --exact`: each virtual service's and each real server's connection counter
 * (connections scheduled there since the service was made). Strict: only this layout is read.
 *
 *   Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
 *     -> RemoteAddress:Port
 *   FWM  257                                 6       36       24     2160     1440
 *     -> 10.0.1.3:0                          2       12        8      720      480
 *
 * Services are keyed as ipvsadm names them: `FWM 257`, `TCP 10.0.0.5:80`.
 */
import { parseDecimal } from './values';

export interface IpvsServiceStats {
  connections: number;
  /** Real server `address` (without the port) -> its connection counter. */
  backends: Map<string, number>;
}

export interface IpvsStatsResult {
  services: Map<string, IpvsServiceStats>;
  /** Whether ipvsadm's stats header was there: false for an error message (no IPVS). */
  recognised: boolean;
}

const SERVICE = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+$/;
const BACKEND = /^->\s+(\S+):(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+$/;

/** The address of `10.0.1.3:0` or `[fd00::3]:0`. */
const hostOf = (endpoint: string) => endpoint.replace(/^\[(.*)\]$/, '$1');

export function parseIpvsStats(text: string): IpvsStatsResult {
  const result: IpvsStatsResult = { services: new Map(), recognised: false };
  let current: IpvsServiceStats | undefined;
  for (const raw of typeof text === 'string' ? text.split('\n') : []) {
    const line = raw.trim();
    if (/^Prot\s+LocalAddress:Port\s+Conns\s+InPkts/.test(line)) result.recognised = true;
    const service = SERVICE.exec(line);
    if (service) {
      current = { connections: parseDecimal(service[3]) ?? 0, backends: new Map() };
      result.services.set(`${service[1]} ${service[2]}`, current);
      continue;
    }
    const backend = BACKEND.exec(line);
    if (backend && current) current.backends.set(hostOf(backend[1]), parseDecimal(backend[3]) ?? 0);
  }
  return result;
}
