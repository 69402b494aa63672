/**
 * A load-balancer sandbox's IPVS settings as the probe prints them (strict; never throws):
 *
 *   ipvsadm -L --timeout      Timeout (tcp tcpfin udp): 900 120 300
 *   the probe's sysctl read   net.ipv4.vs.conn_reuse_mode = 0
 *                             net.ipv4.vs.expire_nodest_conn: cat: ...: No such file or directory
 *
 * The TCP timeout is how long IPVS keeps an idle established connection (900 s by default and
 * in Docker's sandboxes): past it, the entry goes and the connection's next packet is dropped.
 */

export interface IpvsTimeouts {
  tcp: number;
  tcpfin: number;
  udp: number;
}

/** `net.ipv4.vs.<name>` -> its value, or null when it could not be read. */
export type IpvsSysctls = Record<string, number | null>;

/** Parses `ipvsadm -L --timeout`; null when the line is not there. */
export function parseIpvsTimeouts(text: string): IpvsTimeouts | null {
  if (typeof text !== 'string') return null;
  for (const line of text.split('\n')) {
    const m = /^Timeout \(tcp tcpfin udp\): (\d{1,10}) (\d{1,10}) (\d{1,10})$/.exec(line.trim());
    if (m) return { tcp: Number(m[1]), tcpfin: Number(m[2]), udp: Number(m[3]) };
  }
  return null;
}

/** Parses the probe's `net.ipv4.vs.<name> = <value>` lines (and `<name>: <error>` for one it could not read). */
export function parseIpvsSysctls(text: string): IpvsSysctls {
  const out: IpvsSysctls = {};
  if (typeof text !== 'string') return out;
  for (const line of text.split('\n')) {
    const m = /^net\.ipv4\.vs\.([a-z][a-z_]{0,39})(?: = (-?\d{1,10})|: .*)$/.exec(line.trim());
    if (m && !Object.prototype.hasOwnProperty.call(out, m[1]!)) out[m[1]!] = m[2] !== undefined ? Number(m[2]) : null;
  }
  return out;
}
