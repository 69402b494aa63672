/**
 * `/proc/net/ip_vs`: the kernel's own listing, readable without ipvsadm installed (a helper
 * image may lack it). Same rows as `ipvsadm -Ln` but in hex, network byte order:
 *
 *   FWM  00000103 rr
 *     -> 0A00000A:0000      Masq    1      0          0
 *   TCP  0A000009:0050 rr
 *
 * 00000103 is mark 259; 0A00000A:0000 is 10.0.0.10 port 0.
 */
import { parseIpvsListHex } from './ipvsadm';
import type { IpvsParseResult } from './types';

/** Parses /proc/net/ip_vs text into the same shape as parseIpvsadm. */
export function parseProcIpVs(text: string): IpvsParseResult {
  return parseIpvsListHex(text);
}
