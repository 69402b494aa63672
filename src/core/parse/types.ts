/**
 * Shapes produced by the parsers in this folder. Everything here is plain data (JSON-safe), so a
 * parse result can be cached, diffed, saved in a bundle or sent to the webview as is.
 */

/** Packet and byte counters, as `[pkts:bytes]` in iptables-save or the pkts/bytes columns of -nvL. */
export interface Counters {
  readonly packets: number;
  readonly bytes: number;
}

/** How the table of a rule is known: its `*table` header, a `-t x` on the command that printed
 *  it, or a guess from its targets and chains (a pasted fragment with neither). */
export type TableSource = 'header' | 'command' | 'inferred';

/** Fields of a rule that can be negated with `!` (`! -i docker0`, `!127.0.0.0/8`). */
export type NegatableField = 'source' | 'destination' | 'protocol' | 'inInterface' | 'outInterface' | 'sport' | 'dport';

/** One `-m module --opt value` (or the -nvL words that stand for it, such as `ADDRTYPE match
 *  dst-type LOCAL`). Option names are without the leading `--`; a negated option is keyed `!name`;
 *  an option without a value has the value ''. */
export interface IptablesMatch {
  module: string;
  options: Record<string, string>;
}

export type MarkOp = 'set' | 'xset' | 'and' | 'or' | 'xor';

/** One iptables rule, the same shape whether it came from iptables-save / iptables -S or from
 *  iptables -nvL. Addresses are shown without /32 (or /128); `0.0.0.0/0` and `anywhere` are null.
 *  Read-only data: empty collections and zero counters may be shared (frozen) between rules. */
export interface IptablesRule {
  table: string;
  tableSource: TableSource;
  chain: string;
  /** The line as it appeared (trimmed). */
  raw: string;
  /** 1-based line number in the parsed text. */
  line: number;
  source: string | null;
  destination: string | null;
  /** Lowercase name (`tcp`, `udp`, `icmp`); numbers printed by newer iptables are named; `all` is null. */
  protocol: string | null;
  inInterface: string | null;
  outInterface: string | null;
  /** Single source/destination port; null when absent or when a range or list was given. */
  sport: number | null;
  dport: number | null;
  /** The port text as written (`8080`, `1000:2000`, `80,443`), null when absent. */
  sportSpec: string | null;
  dportSpec: string | null;
  negated: readonly NegatableField[];
  matches: readonly IptablesMatch[];
  /** `-m addrtype --dst-type LOCAL` / `ADDRTYPE match dst-type LOCAL`. */
  addrType: { src: string | null; dst: string | null } | null;
  /** `-m conntrack --ctstate` or `-m state --state` (engines 25+ write the former). */
  ctstate: string[] | null;
  /** `-m ipvs --ipvs` / `ipvs`: the packet belongs to an IPVS connection. */
  ipvs: boolean;
  comment: string | null;
  /** Target or jumped-to chain; null for a rule without one (a counting rule). */
  target: string | null;
  /** `-g CHAIN` instead of `-j CHAIN`. */
  goto: boolean;
  /** Target options as written, without the leading `--` (`set-xmark`, `to-destination`, ...). */
  targetOptions: Readonly<Record<string, string>>;
  /** Decimal mark written by a MARK target with --set-mark / --set-xmark (`MARK set|xset` in -nvL). */
  mark: number | null;
  /** The mask of an xset; 0xffffffff for a plain set. */
  markMask: number | null;
  markOp: MarkOp | null;
  toDestination: string | null;
  toSource: string | null;
  toPorts: string | null;
  counters: Counters | null;
}

export interface IptablesChain {
  name: string;
  /** ACCEPT/DROP for built-in chains; null for user chains (`-` in iptables-save) or unknown. */
  policy: string | null;
  counters: Counters | null;
  /** `(2 references)` in -nvL; null elsewhere. */
  references: number | null;
}

/** One table section: a `*table ... COMMIT` block, one listed table, or one inferred fragment.
 *  A text with two hosts' dumps yields two sections with the same name, not a merge. */
export interface IptablesTable {
  name: string;
  source: TableSource;
  chains: IptablesChain[];
  rules: IptablesRule[];
}

export interface IptablesParseResult {
  tables: IptablesTable[];
  skippedLines: number;
}

export type IpvsProtocol = 'FWM' | 'TCP' | 'UDP' | 'SCTP';
export type IpvsForward = 'Masq' | 'Route' | 'Tunnel' | 'Local';

/** Counters from `ipvsadm -L --stats` (conns, packets, bytes) or `--rate` (per second). */
export interface IpvsStats {
  kind: 'stats' | 'rate';
  conns: number | null;
  inPackets: number | null;
  outPackets: number | null;
  inBytes: number | null;
  outBytes: number | null;
}

export interface IpvsBackend {
  /** IP address when one was shown (always with -n, /proc and usually -S). */
  address: string | null;
  /** Name shown instead of an address (ipvsadm without -n resolves real servers by reverse DNS). */
  host: string | null;
  /** Null when unknown: a truncated name lost its `:port`, or an unknown service name. */
  port: number | null;
  /** Null only where the listing does not show it (--stats, --rate, --thresholds). */
  forward: IpvsForward | null;
  weight: number | null;
  activeConnections: number | null;
  inactiveConnections: number | null;
  /** ipvsadm -L cuts names to 28 characters; true when this one was (probably) cut. */
  truncated: boolean;
  stats: IpvsStats | null;
}

export interface IpvsService {
  protocol: IpvsProtocol;
  fwmark: number | null;
  address: string | null;
  host: string | null;
  port: number | null;
  /** Null in --stats/--rate listings, which do not show it. */
  scheduler: string | null;
  /** The rest of the service line (`persistent 360`, `ops`, ...), '' when none. */
  flags: string;
  ipv6: boolean;
  backends: IpvsBackend[];
  stats: IpvsStats | null;
  truncated: boolean;
  /** 1-based line of the service in the parsed text. */
  line: number;
}

export interface IpvsParseResult {
  services: IpvsService[];
  skippedLines: number;
}

/** DNS response codes as dig prints them, plus what nslookup and timeouts tell us. */
export type DnsStatus =
  | 'NOERROR'
  | 'NXDOMAIN'
  | 'SERVFAIL'
  | 'REFUSED'
  | 'FORMERR'
  | 'NOTIMP'
  | 'TIMEOUT'
  | 'ERROR'
  | 'UNKNOWN';

export interface DnsAnswer {
  /** Owner name without the trailing dot. */
  name: string;
  /** A, AAAA, CNAME, PTR, SRV, ... */
  type: string;
  ttl: number | null;
  /** The record data: an address for A/AAAA, a name (no trailing dot) for CNAME/PTR, the text otherwise. */
  address: string;
}

export interface DnsQuery {
  /** The name asked about (no trailing dot); null when the output does not say (bare dig +short). */
  name: string | null;
  /** The asked type when known (dig question section, `dig x AAAA`), else null. */
  type: string | null;
  /** The server that answered, when printed (`;; SERVER:`, nslookup `Server:`). */
  server: string | null;
  answers: DnsAnswer[];
  status: DnsStatus;
  tool: 'dig' | 'nslookup' | null;
}

export interface DnsParseResult {
  queries: DnsQuery[];
  skippedLines: number;
}

/** Formats the dump splitter recognises. `iptables-save` includes `iptables -S`; `ipvs-list`
 *  includes /proc/net/ip_vs; `json` is docker network / service inspect output. */
export type DumpFormat = 'iptables-save' | 'iptables-list' | 'ipvs-list' | 'ipvs-save' | 'dns' | 'json' | 'ip-addr';

export interface DumpBlock {
  format: DumpFormat;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
}
