// Large dumps in the real formats, for the parser benchmark.

/** What a busy swarm node's dumps hold: lb_ VIP marks, ingress port marks, DOCKER-INGRESS DNAT
 *  and filter rules, with iptables-save -c counters. */
export function swarmSave(rules: number): string {
  const out: string[] = [];
  const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const share = (f: number) => Math.round(f * rules);
  out.push('*mangle', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]');
  for (let i = 0; i < share(0.4); i++) out.push(`[${i % 50}:${(i % 50) * 60}] -A INPUT -d ${ip(i)}/32 -j MARK --set-xmark 0x${(256 + i).toString(16)}/0xffffffff`);
  for (let i = 0; i < share(0.15); i++) out.push(`[0:0] -A PREROUTING -p tcp -m tcp --dport ${1024 + i} -j MARK --set-xmark 0x${(256 + i).toString(16)}/0xffffffff`);
  out.push('COMMIT', '*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ':DOCKER-INGRESS - [0:0]');
  for (let i = 0; i < share(0.15); i++) out.push(`[0:0] -A DOCKER-INGRESS -p tcp -m tcp --dport ${1024 + i} -j DNAT --to-destination 172.18.0.2:${1024 + i}`);
  out.push('COMMIT', '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':DOCKER-INGRESS - [0:0]');
  for (let i = 0; i < share(0.15); i++) out.push(`[0:0] -A DOCKER-INGRESS -p tcp -m tcp --dport ${1024 + i} -j ACCEPT`);
  for (let i = 0; i < share(0.15); i++) out.push(`[0:0] -A DOCKER-INGRESS -p tcp -m tcp --sport ${1024 + i} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  out.push('COMMIT');
  return out.join('\n') + '\n';
}

/** A heavier mix for the record: comments, quoted strings, two matches per rule. */
export function stressSave(rules: number): string {
  const out = ['*mangle', ':INPUT ACCEPT [0:0]'];
  for (let i = 0; i < rules; i++) {
    const a = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const m = `0x${(256 + i).toString(16)}`;
    if (i % 4 === 0) out.push(`[${i}:${i * 60}] -A INPUT -d ${a}/32 -j MARK --set-xmark ${m}/0xffffffff`);
    else if (i % 4 === 1) out.push(`[0:0] -A PREROUTING -p tcp -m tcp --dport ${1000 + (i % 60000)} -j MARK --set-xmark ${m}/0xffffffff`);
    else if (i % 4 === 2) out.push(`[3:180] -A OUTPUT -d ${a}/32 -m comment --comment "svc ${i}" -j MARK --set-mark ${m}`);
    else out.push(`[0:0] -A POSTROUTING -d ${a}/24 -m ipvs --ipvs -m conntrack --ctstate NEW,ESTABLISHED -j SNAT --to-source 10.0.0.2`);
  }
  out.push('COMMIT');
  return out.join('\n') + '\n';
}

export function ipvsListing(services: number, backends: number): string {
  const out = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (let s = 0; s < services; s++) {
    out.push(`FWM  ${256 + s} rr`);
    for (let b = 0; b < backends; b++) {
      const addr = `10.${(s >> 8) & 255}.${s & 255}.${b + 2}:0`;
      out.push(`  -> ${addr.padEnd(28)} Masq    1      ${b}          ${s % 7}         `);
    }
  }
  return out.join('\n') + '\n';
}
