/**
 * Small value decoders shared by the parsers: counters with K/M/G suffixes, firewall marks in
 * their hex and decimal spellings, addresses, ports and service names. All are total: bad input
 * gives null, never an exception.
 */

const MAX_MARK = 0xffffffff;

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** True when s is a non-empty run of ASCII digits. */
function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigitCode(s.charCodeAt(i))) return false;
  return true;
}

/** True when s is a non-empty run of hex digits. */
export function isHexDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isHexCode(s.charCodeAt(i))) return false;
  return true;
}

/** Decimal integer in s[a, b), or -1; at most 15 digits so the result stays exact. No slicing:
 *  these range parsers run for every number of every row of large dumps. */
export function decimalAt(s: string, a: number, b: number): number {
  if (b <= a || b - a > 15) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Decimal integer or null; at most 15 digits so the result stays exact. */
export function parseDecimal(s: string): number | null {
  const v = decimalAt(s, 0, s.length);
  return v < 0 ? null : v;
}

/** A counter in s[a, b) (`5654`, `475K`), or -1. See parseCount. */
export function countAt(s: string, a: number, b: number): number {
  if (b <= a || b - a > 20) return -1;
  const last = s.charCodeAt(b - 1) & ~32; // upper-case
  const mul = last === 75 ? 1e3 : last === 77 ? 1e6 : last === 71 ? 1e9 : last === 84 ? 1e12 : last === 80 ? 1e15 : 1;
  const v = decimalAt(s, a, mul === 1 ? b : b - 1);
  return v < 0 ? -1 : v * mul;
}

/**
 * A counter as iptables -nvL and ipvsadm --stats print it: `5654`, `475K`, `1282K`, `3M`.
 * Both tools scale by 1000 (not 1024) and round, so a suffixed value is approximate.
 */
export function parseCount(s: string): number | null {
  if (typeof s !== 'string') return null;
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  const v = countAt(s, a, b);
  return v < 0 ? null : v;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** A mark (`0x103` or `259`) in s[a, b), or -1 when not a 32-bit mark. */
export function markAt(s: string, a: number, b: number): number {
  if (b - a > 2 && s.charCodeAt(a) === 48 && (s.charCodeAt(a + 1) | 32) === 120) {
    let v = 0;
    if (b - a - 2 > 16) return -1;
    for (let i = a + 2; i < b; i++) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    return v <= MAX_MARK ? v : -1;
  }
  const v = decimalAt(s, a, b);
  return v <= MAX_MARK ? v : -1;
}

/**
 * A firewall mark in any spelling seen in dumps: `0x103`, `0x103/0xffffffff` (iptables-save
 * --set-xmark), `259` (ipvsadm FWM). Returns the decimal value, null when not a 32-bit mark.
 */
export function parseMark(s: string): number | null {
  if (typeof s !== 'string') return null;
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  const slash = s.indexOf('/', a);
  const v = markAt(s, a, slash >= 0 && slash < b ? slash : b);
  return v < 0 ? null : v;
}

/** 259 -> '0x103': a mark as iptables prints it (lowercase); the one place that formats one. */
export const hexMark = (n: number): string => '0x' + n.toString(16);

/** hexMark, or null for anything that is not a 32-bit mark. */
export function markToHex(n: number): string | null {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_MARK) return null;
  return hexMark(n);
}

/** Whether s[a, b) is a dotted-quad IPv4 address. */
export function isIPv4At(s: string, a: number, b: number): boolean {
  const n = b - a;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = a; i <= b; i++) {
    const c = i === b ? 46 : s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      value = value * 10 + (c - 48);
    } else return false;
  }
  return parts === 4;
}

export function isIPv4(s: string): boolean {
  return isIPv4At(s, 0, s.length);
}

export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45 || s.indexOf(':') < 0) return false;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  const groups = s.split(':');
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (g.length === 0) continue; // part of '::' (or a leading/trailing one)
    if (i === groups.length - 1 && g.indexOf('.') >= 0) {
      if (!isIPv4(g)) return false;
      count += 2;
      continue;
    }
    if (g.length > 4 || !isHexDigits(g)) return false;
    count++;
  }
  return dbl >= 0 ? count < 8 : count === 8;
}

/** Full 8-group IPv6 ('2001:0db8:0000:...:0001', as /proc prints it) -> compressed lowercase. */
export function compressIPv6(s: string): string {
  const groups = s.toLowerCase().split(':');
  if (groups.length !== 8) return s.toLowerCase();
  const g = groups.map((x) => x.replace(/^0+(?=.)/, ''));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.join(':');
  return g.slice(0, bestStart).join(':') + '::' + g.slice(bestStart + bestLen).join(':');
}

/**
 * An address as iptables shows it, for the rule model: drops a host prefix (/32, /128), maps the
 * any-address (`0.0.0.0/0`, `::/0`, `anywhere`) to null, keeps other prefixes (`10.0.0.0/24`).
 */
export function normaliseAddress(a: string): string | null {
  if (a.length === 0 || a === '0.0.0.0/0' || a === '::/0' || a === 'anywhere' || a === '0/0') return null;
  if (a.endsWith('/32') && a.indexOf(':') < 0) return a.slice(0, -3);
  if (a.endsWith('/128')) return a.slice(0, -4);
  if (a.endsWith('/255.255.255.255')) return a.slice(0, -16);
  return a;
}

/**
 * Port names that getservbyport gives for ports a swarm is likely to publish; ipvsadm without -n
 * and iptables -L without -n print these instead of numbers.
 */
const SERVICE_PORTS: Record<string, number> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  tftp: 69,
  gopher: 70,
  finger: 79,
  http: 80,
  www: 80,
  kerberos: 88,
  pop3: 110,
  sunrpc: 111,
  ntp: 123,
  imap: 143,
  imap2: 143,
  snmp: 161,
  bgp: 179,
  ldap: 389,
  https: 443,
  'microsoft-ds': 445,
  syslog: 514,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  'ms-sql-s': 1433,
  mysql: 3306,
  nfs: 2049,
  docker: 2375,
  'docker-s': 2376,
  'docker-swarm': 2377,
  postgresql: 5432,
  sip: 5060,
  amqp: 5672,
  x11: 6000,
  redis: 6379,
  'http-alt': 8080,
  webcache: 8080,
  'https-alt': 8443,
  vxlan: 4789,
  memcache: 11211,
  mongodb: 27017,
};

/** A port token: digits, or a service name from the table above; null otherwise. */
export function parsePort(s: string): number | null {
  if (isDigits(s)) {
    const n = parseDecimal(s);
    return n !== null && n <= 65535 ? n : null;
  }
  const n = Object.prototype.hasOwnProperty.call(SERVICE_PORTS, s) ? SERVICE_PORTS[s] : undefined;
  return n === undefined ? null : n;
}

const PROTOCOL_NUMBERS: Record<string, string> = {
  '0': 'all',
  '1': 'icmp',
  '2': 'igmp',
  '4': 'ipip',
  '6': 'tcp',
  '17': 'udp',
  '41': 'ipv6',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '58': 'ipv6-icmp',
  '132': 'sctp',
  '136': 'udplite',
};

/** `tcp`, `6` (iptables 1.8.9+ prints numbers) -> 'tcp'; `all`/`0` -> null. */
export function normaliseProtocol(p: string): string | null {
  const lower = p.toLowerCase();
  const named = Object.prototype.hasOwnProperty.call(PROTOCOL_NUMBERS, lower) ? PROTOCOL_NUMBERS[lower]! : lower;
  return named === 'all' || named.length === 0 ? null : named;
}

/** Splits a port spec: `8080` -> 8080; `1000:2000`, `80,443`, names that are unknown -> null. */
export function singlePort(spec: string | null): number | null {
  if (spec === null) return null;
  return parsePort(spec);
}
