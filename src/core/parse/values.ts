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
export function isDigits(s: string): boolean {
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

/** Decimal integer or null; at most 15 digits so the result stays exact. */
export function parseDecimal(s: string): number | null {
  if (!isDigits(s) || s.length > 15) return null;
  return Number(s);
}

const SUFFIX: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/**
 * A counter as iptables -nvL and ipvsadm --stats print it: `5654`, `475K`, `1282K`, `3M`.
 * Both tools scale by 1000 (not 1024) and round, so a suffixed value is approximate.
 */
export function parseCount(s: string): number | null {
  if (typeof s !== 'string') return null;
  const t = s.trim();
  if (t.length === 0 || t.length > 20) return null;
  const last = t.charAt(t.length - 1).toUpperCase();
  const mul = SUFFIX[last];
  if (mul !== undefined) {
    const n = parseDecimal(t.slice(0, -1));
    return n === null ? null : n * mul;
  }
  return parseDecimal(t);
}

/**
 * A firewall mark in any spelling seen in dumps: `0x103`, `0x103/0xffffffff` (iptables-save
 * --set-xmark), `259` (ipvsadm FWM). Returns the decimal value, null when not a 32-bit mark.
 */
export function parseMark(s: string): number | null {
  if (typeof s !== 'string') return null;
  let t = s.trim();
  const slash = t.indexOf('/');
  if (slash >= 0) t = t.slice(0, slash);
  let n: number | null;
  if (t.length > 2 && t.charAt(0) === '0' && (t.charAt(1) === 'x' || t.charAt(1) === 'X')) {
    const h = t.slice(2);
    n = isHexDigits(h) && h.length <= 16 ? parseInt(h, 16) : null;
  } else {
    n = parseDecimal(t);
  }
  return n !== null && n <= MAX_MARK ? n : null;
}

/** The mask part of `0x103/0xffffffff`, or null when there is none or it is not a number. */
export function parseMarkMask(s: string): number | null {
  const slash = s.indexOf('/');
  return slash < 0 ? null : parseMark(s.slice(slash + 1));
}

/** 259 -> '0x103' (lowercase, as iptables prints it); null for anything that is not a 32-bit mark. */
export function markToHex(n: number): string | null {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_MARK) return null;
  return '0x' + n.toString(16);
}

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || !isDigits(p) || Number(p) > 255) return false;
  }
  return true;
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

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** '0A000009' (network order, as /proc/net/ip_vs prints it) -> '10.0.0.9'. */
export function hexToIPv4(h: string): string | null {
  if (h.length !== 8 || !isHexDigits(h)) return null;
  const n = parseInt(h, 16);
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
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
