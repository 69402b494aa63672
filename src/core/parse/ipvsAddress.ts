/**
 * Decoding the address column of ipvsadm listings and /proc/net/ip_vs.
 *
 * ipvsadm without -n prints `name:port` with both resolved (`docker0.local:0`, `web:http`) and
 * cuts the whole column to 28 characters (IPv4 only), so `redis.1.m911y2nt3wy0qo5x8i9p` has lost
 * the rest of its name and its `:0`. /proc/net/ip_vs prints hex in network order
 * (`0A000009:0050` is 10.0.0.9:80; IPv6 as `[2001:0db8:...]:0050`).
 */
import { compressIPv6, hexToIPv4, isHexDigits, isIPv4, isIPv6, parsePort } from './values';

export interface DecodedAddress {
  address: string | null;
  host: string | null;
  port: number | null;
  truncated: boolean;
}

/** ipvsadm's column width for names in -L output. */
export const IPVSADM_NAME_WIDTH = 28;

export function isProcHexAddress(tok: string): boolean {
  return tok.length === 13 && tok.charAt(8) === ':' && isHexDigits(tok.slice(0, 8)) && isHexDigits(tok.slice(9));
}

/** `0A000009:0050` or `[2001:0db8:...:0001]:0050` -> address and port. */
export function decodeProcAddress(tok: string): DecodedAddress | null {
  if (isProcHexAddress(tok)) {
    const address = hexToIPv4(tok.slice(0, 8));
    return address === null ? null : { address, host: null, port: parseInt(tok.slice(9), 16), truncated: false };
  }
  if (tok.charAt(0) === '[') {
    const close = tok.indexOf(']');
    const inner = close < 0 ? '' : tok.slice(1, close);
    const portHex = close < 0 ? '' : tok.slice(close + 2);
    if (!isIPv6(inner) || tok.charAt(close + 1) !== ':' || !isHexDigits(portHex) || portHex.length > 4) return null;
    return { address: compressIPv6(inner), host: null, port: parseInt(portHex, 16), truncated: false };
  }
  return null;
}

/**
 * `10.0.0.9:80`, `[fd00::1]:80`, `docker0.local:0`, `web:http`, or a name cut at 28 characters.
 * `listing` is true for -L output, where the cut happens (-S does not cut).
 */
export function decodeTextAddress(tok: string, listing: boolean): DecodedAddress | null {
  if (tok.length === 0) return null;
  if (tok.charAt(0) === '[') {
    const close = tok.indexOf(']');
    if (close < 0) return null;
    const inner = tok.slice(1, close);
    const rest = tok.slice(close + 1);
    const port = rest.startsWith(':') ? parsePort(rest.slice(1)) : null;
    return isIPv6(inner)
      ? { address: inner, host: null, port, truncated: false }
      : { address: null, host: inner, port, truncated: false };
  }
  const colon = tok.lastIndexOf(':');
  if (colon >= 0 && tok.indexOf(':') !== colon) {
    // Several colons without brackets: a bare IPv6 address (no port shown).
    return isIPv6(tok) ? { address: tok, host: null, port: null, truncated: false } : null;
  }
  const name = colon < 0 ? tok : tok.slice(0, colon);
  const portText = colon < 0 ? null : tok.slice(colon + 1);
  if (name.length === 0) return null;
  const port = portText === null ? null : parsePort(portText);
  if (isIPv4(name)) return { address: name, host: null, port, truncated: false };
  const truncated = listing && tok.length >= IPVSADM_NAME_WIDTH;
  // A cut name may end in a half service name (`:htt`) or a half port (`:8` of `:80`): not a port.
  return { address: null, host: name, port: truncated && portText !== null && portText !== '0' ? null : port, truncated };
}
