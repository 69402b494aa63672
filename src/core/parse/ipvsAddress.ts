/**
 * Decoding the address column of ipvsadm listings and /proc/net/ip_vs.
 *
 * ipvsadm without -n prints `name:port` with both resolved (`docker0.local:0`, `web:http`) and
 * cuts the whole column to 28 characters (IPv4 only), so `redis.1.m911y2nt3wy0qo5x8i9p` has lost
 * the rest of its name and its `:0`. /proc/net/ip_vs prints hex in network order
 * (`0A000009:0050` is 10.0.0.9:80; IPv6 as `[2001:0db8:...]:0050`).
 *
 * The decoders read a [a, b) range of the row and copy out only the address or name they return.
 */
import { compressIPv6, decimalAt, isIPv4At, isIPv6, parsePort } from './values';

export interface DecodedAddress {
  address: string | null;
  host: string | null;
  port: number | null;
  truncated: boolean;
}

/** ipvsadm's column width for names in -L output. */
const IPVSADM_NAME_WIDTH = 28;

function hexAt(s: string, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    const h = c >= 48 && c <= 57 ? c - 48 : (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1;
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return b > a ? v : -1;
}

/** `0A000009:0050` (8 hex, colon, 4 hex). */
export function isProcHexAddressAt(s: string, a: number, b: number): boolean {
  return b - a === 13 && s.charCodeAt(a + 8) === 58 && hexAt(s, a, a + 8) >= 0 && hexAt(s, a + 9, b) >= 0;
}

/** `0A000009:0050` or `[2001:0db8:...:0001]:0050` in s[a, b) -> address and port. */
export function decodeProcAddressAt(s: string, a: number, b: number): DecodedAddress | null {
  if (isProcHexAddressAt(s, a, b)) {
    const n = hexAt(s, a, a + 8);
    const address = `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    return { address, host: null, port: hexAt(s, a + 9, b), truncated: false };
  }
  if (s.charCodeAt(a) === 91 /* [ */) {
    const close = s.indexOf(']', a);
    if (close < 0 || close >= b || s.charCodeAt(close + 1) !== 58 || b - (close + 2) > 4) return null;
    const inner = s.slice(a + 1, close);
    const port = hexAt(s, close + 2, b);
    if (!isIPv6(inner) || port < 0) return null;
    return { address: compressIPv6(inner), host: null, port, truncated: false };
  }
  return null;
}

function portAt(s: string, a: number, b: number): number | null {
  const d = decimalAt(s, a, b);
  if (d >= 0) return d <= 65535 ? d : null;
  return b > a ? parsePort(s.slice(a, b)) : null;
}

/**
 * `10.0.0.9:80`, `[fd00::1]:80`, `docker0.local:0`, `web:http`, or a name cut at 28 characters,
 * in s[a, b). `listing` is true for -L output, where the cut happens (-S does not cut).
 */
export function decodeTextAddressAt(s: string, a: number, b: number, listing: boolean): DecodedAddress | null {
  if (b <= a) return null;
  if (s.charCodeAt(a) === 91 /* [ */) {
    const close = s.indexOf(']', a);
    if (close < 0 || close >= b) return null;
    const inner = s.slice(a + 1, close);
    const port = close + 1 < b && s.charCodeAt(close + 1) === 58 ? portAt(s, close + 2, b) : null;
    return isIPv6(inner)
      ? { address: inner, host: null, port, truncated: false }
      : { address: null, host: inner, port, truncated: false };
  }
  let colon = -1;
  let colons = 0;
  for (let i = a; i < b; i++) {
    if (s.charCodeAt(i) === 58) {
      colon = i;
      colons++;
    }
  }
  if (colons > 1) {
    // Several colons without brackets: a bare IPv6 address (no port shown).
    const whole = s.slice(a, b);
    return isIPv6(whole) ? { address: whole, host: null, port: null, truncated: false } : null;
  }
  const nameEnd = colon < 0 ? b : colon;
  if (nameEnd === a) return null;
  const port = colon < 0 ? null : portAt(s, colon + 1, b);
  if (isIPv4At(s, a, nameEnd)) return { address: s.slice(a, nameEnd), host: null, port, truncated: false };
  const truncated = listing && b - a >= IPVSADM_NAME_WIDTH;
  // A cut name may end in a half service name (`:htt`) or a half port (`:8` of `:80`): not a
  // port. `:0` cannot be the start of a longer port, so it stays.
  const keepPort = !truncated || (colon >= 0 && b - colon === 2 && s.charCodeAt(colon + 1) === 48);
  return { address: null, host: s.slice(a, nameEnd), port: keepPort ? port : null, truncated };
}

export function decodeTextAddress(tok: string, listing: boolean): DecodedAddress | null {
  return decodeTextAddressAt(tok, 0, tok.length, listing);
}

