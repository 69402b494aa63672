/**
 * `ip addr` (`ip a`, `ip address show`) and its one-line form `ip -o [-4] addr`, as pasted from a
 * sandbox: the addresses of each interface. In an `lb_<network>` sandbox (and the ingress
 * sandbox) eth0 holds the load-balancer endpoint's address and every VIP of that network as a /32
 * alias; explain joins those aliases to the VIPs it knows from marks and inspect JSON.
 *
 *   14: eth0@if15: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default
 *       link/ether 02:42:0a:00:00:06 brd ff:ff:ff:ff:ff:ff link-netnsid 0
 *       inet 10.0.0.6/24 brd 10.0.0.255 scope global eth0
 *          valid_lft forever preferred_lft forever
 *       inet 10.0.0.9/32 scope global eth0
 *   15: eth0    inet 10.0.0.9/32 scope global eth0\       valid_lft forever preferred_lft forever
 *
 * Every test is anchored and walks the line once (no backtracking on hostile text).
 */
import type { BlockFactory, BlockParser } from '../parse/scan';
import type { ExplainAddress } from './types';
import { isIPv4, isIPv6 } from '../parse/values';

// `14: eth0@if15: <BROADCAST,...> mtu 1450 ...`: index, name (without @peer), flags.
const LINK_HEAD = /^\d{1,10}: ([^\s:@]{1,64})(?:@[^\s:]{1,64})?: <[A-Z0-9_,-]*>/;
// `15: eth0    inet 10.0.0.9/32 scope ...` (ip -o): index, name, family, address/prefix.
const ONE_LINE = /^\d{1,10}: ([^\s:@]{1,64})\s+(inet6?) ([0-9A-Fa-f.:]{2,45})\/(\d{1,3})(?:\s|\\|$)/;
// `inet 10.0.0.9/32 [peer ...] [brd ...] scope global [secondary] eth0` inside a block.
const ADDRESS = /^(inet6?) ([0-9A-Fa-f.:]{2,45})\/(\d{1,3})(?:\s|$)/;
// The other lines of an interface: link layer, lifetimes, newer iproute2's altname, -d details.
const DETAIL = /^(link\/[a-z0-9_-]+(\s|$)|valid_lft\s|altname\s|alias\s|prog\/xdp|vxlan\s|bridge\s|veth\s|ipip\s|gre\s|openvswitch|tun\s|bond\s|macvlan\s|dummy\s)/;

/** An address fact and the line it was read from. */
export interface AddressAt {
  fact: ExplainAddress;
  line: number;
}

function address(iface: string | null, family: string, addr: string, prefix: string): ExplainAddress | null {
  const p = Number(prefix);
  const v4 = family === 'inet';
  if (v4 ? !isIPv4(addr) || p > 32 : !isIPv6(addr) || p > 128) return null;
  return { interface: iface, address: addr.toLowerCase(), prefix: p };
}

/** The label at the end of an `inet` line (`scope global eth0`, `scope global secondary eth0:1`):
 *  the interface when no header named it (lines grepped out of `ip addr`). */
function label(t: string): string | null {
  const i = t.lastIndexOf(' ');
  const last = t.slice(i + 1);
  return i > 0 && /^[A-Za-z][\w.:@-]{0,63}$/.test(last) && t.indexOf(' scope ') >= 0 ? last.replace(/[:@].*$/, '') : null;
}

export class IpAddrBlock implements BlockParser {
  readonly addresses: AddressAt[] = [];
  private iface: string | null = null;

  feed(t: string, lineNo: number): boolean {
    const head = LINK_HEAD.exec(t);
    if (head !== null) {
      this.iface = head[1]!;
      return true;
    }
    const one = ONE_LINE.exec(t);
    if (one !== null) {
      this.iface = one[1]!;
      this.push(address(one[1]!, one[2]!, one[3]!, one[4]!), lineNo);
      return true;
    }
    const a = ADDRESS.exec(t);
    if (a !== null) {
      this.push(address(this.iface ?? label(t), a[1]!, a[2]!, a[3]!), lineNo);
      return true;
    }
    return DETAIL.test(t);
  }

  private push(fact: ExplainAddress | null, line: number): void {
    if (fact !== null) this.addresses.push({ fact, line });
  }

  blank(): void {}

  finish(): void {}
}

export const ipAddrFactory: BlockFactory<IpAddrBlock> = {
  format: 'ip-addr',
  starts: (t) => {
    const c = t.charCodeAt(0);
    if (c >= 48 && c <= 57) return LINK_HEAD.test(t) || ONE_LINE.test(t);
    // `inet ...` lines grepped out of ip addr, with their scope (prose rarely says "inet 1.2.3.4/24 ... scope").
    return c === 105 /* i */ && ADDRESS.test(t) && t.indexOf(' scope ') > 0;
  },
  create: () => new IpAddrBlock(),
};

/** A /32 (or /128) address: how dockerd adds a VIP to the load-balancer endpoint. */
export function isHostAlias(a: ExplainAddress): boolean {
  return a.address.indexOf(':') < 0 ? a.prefix === 32 : a.prefix === 128;
}

function ipv4Number(ip: string): number | null {
  if (!isIPv4(ip)) return null;
  let n = 0;
  for (const part of ip.split('.')) n = n * 256 + Number(part);
  return n >>> 0;
}

/** The /32 aliases and load-balancer endpoints of the pasted ip addr blocks, host by host. */
export class AliasIndex {
  /** VIP -> hosts whose pasted ip addr holds it as an alias (null: a part naming no host). */
  private readonly aliases = new Map<string, Set<string | null>>();
  /** `network/prefix` of each load-balancer endpoint (an interface holding a /32 alias of its
   *  own subnet, as eth0 of an lb_ sandbox does) -> hosts. */
  private readonly endpoints = new Map<string, Set<string | null>>();
  private readonly prefixes = new Set<number>();

  /** One ip addr block (one sandbox): interface names repeat between sandboxes. Linear: each
   *  alias is looked up against the (at most 33) prefix lengths of its interface's networks. */
  addBlock(addresses: readonly ExplainAddress[], host: string | null): void {
    const networks = new Map<string | null, { prefixes: Set<number>; keys: Set<string> }>();
    for (const a of addresses) {
      if (isHostAlias(a)) {
        add(this.aliases, a.address, host);
        continue;
      }
      const key = networkKey(a.address, a.prefix);
      if (key === '') continue;
      let n = networks.get(a.interface);
      if (n === undefined) networks.set(a.interface, (n = { prefixes: new Set(), keys: new Set() }));
      n.prefixes.add(a.prefix);
      n.keys.add(key);
    }
    for (const a of addresses) {
      const n = isHostAlias(a) ? networks.get(a.interface) : undefined;
      if (n === undefined) continue;
      for (const p of n.prefixes) {
        const key = networkKey(a.address, p);
        if (!n.keys.has(key)) continue;
        this.prefixes.add(p);
        add(this.endpoints, key, host);
      }
    }
  }

  /** true: the VIP is an alias on that host; false: that host's endpoint of the VIP's network was
   *  pasted without it; null: unknown. */
  state(vip: string, host: string | null): boolean | null {
    if (matches(this.aliases.get(vip), host)) return true;
    for (const p of this.prefixes) if (matches(this.endpoints.get(networkKey(vip, p)), host)) return false;
    return null;
  }
}

function add(map: Map<string, Set<string | null>>, key: string, host: string | null): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([host]));
  else set.add(host);
}

/** A part of the paste that names no host matches any host (as explainJoin's sameHost). */
function matches(hosts: Set<string | null> | undefined, host: string | null): boolean {
  if (hosts === undefined) return false;
  return host === null ? hosts.size > 0 : hosts.has(host) || hosts.has(null);
}

function networkKey(ip: string, prefix: number): string {
  const n = ipv4Number(ip);
  if (n === null) return '';
  const mask = prefix >= 32 ? 0xffffffff : prefix === 0 ? 0 : ~((1 << (32 - prefix)) - 1) >>> 0;
  return `${(n & mask) >>> 0}/${prefix}`;
}
