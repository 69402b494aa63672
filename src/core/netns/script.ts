// What one probe run collects, and how its output is cut back into pieces.
// The script is a constant: cluster data (netns paths, names) only ever travels as positional
// arguments ("$@"), never spliced into shell text, and a name reaches dig only after -q, never
// where dig reads options (guard.ts also checks it first).

/** One thing to read: a sandbox's rules and IPVS table, or a DNS query from a sandbox. */
export type ProbeRequest =
  /** `brief`: rules and the IPVS listing only, without the fallbacks a trace shows (a check's read). */
  | { kind: 'sandbox'; netns: string; brief?: boolean }
  | { kind: 'dns'; netns: string; name: string }
  | TrafficRequest;

/**
 * Probe Load Distribution: `count` TCP connections from the client namespace `netns`, connection i
 * to `targets[i % targets.length]` on `port`, from source port `firstPort + i` (so each one can be
 * found in the IPVS connection table), at most 10 at a time and ~100 a second, each given
 * `timeoutSeconds`. Nothing is sent unless `http` (then one `GET /`). With `lb`, that
 * load-balancer sandbox's IPVS counters are read before and after and its connection table after
 * every 50 connections (an entry of a refused connection lives 10 s).
 */
export interface TrafficRequest {
  kind: 'traffic';
  netns: string;
  lb?: string;
  targets: string[];
  port: number;
  count: number;
  firstPort: number;
  timeoutSeconds: number;
  http: boolean;
}

export const MARKER = '@@swarm-lens';

/** The net.ipv4.vs.* settings dockerd writes in its load-balancer sandboxes (read, never written). */
export const IPVS_SYSCTLS = ['conn_reuse_mode', 'expire_nodest_conn', 'expire_quiescent_template'] as const;

/** The node's own network namespace, as a request names it (the routing mesh's DNAT is there). */
export const HOST_NETNS = '/proc/1/ns/net';

/** Section names, in the order the script prints them for a sandbox. The last three only for a
 *  load-balancer sandbox (lb_*, ingress_sbox) in a full read: its connections, timeouts and the
 *  IPVS sysctls Docker sets there. */
export const SANDBOX_SECTIONS = ['iptables-save', 'ipvsadm-ln', 'ipvsadm-s', 'proc-ip-vs', 'ip-addr', 'ipvsadm-lnc', 'ipvsadm-timeout', 'ipvs-sysctls'] as const;
export type SandboxSection = (typeof SANDBOX_SECTIONS)[number];

/** A traffic run's sections; `connects` and `ipvs-conns` come once per batch and are joined. */
export const TRAFFIC_SECTIONS = ['ipvs-stats-before', 'connects', 'ipvs-conns', 'ipvs-stats-after'] as const;
export type TrafficSection = (typeof TRAFFIC_SECTIONS)[number];

// All DNS questions asked in one namespace go to one dig (its batch mode, from stdin): under
// emulation a dig start costs ~0.4 s, a question a few ms. dig's stdout is cut back into one
// section per question at its "; <<>> DiG ... <<>> -q NAME" header (stderr is dropped: it would
// interleave). Names are DNS names (guard.ts), so a batch line holds nothing but "-q NAME".
export const PROBE_SCRIPT = `
run() { s=$1; shift; echo "${MARKER} section $s"; "$@" 2>&1; echo "${MARKER} exit $?"; }
# One nsenter for all the settings (a process start is dear under emulation); a file that
# cannot be read is named with its error, the others still printed.
vssysctls() {
  nsenter --net="$1" sh -c 'r=0
    for n in "$@"; do
      if v=$(cat /proc/sys/net/ipv4/vs/$n 2>&1); then echo "net.ipv4.vs.$n = $v"; else echo "net.ipv4.vs.$n: $v"; r=1; fi
    done
    exit $r' sh ${IPVS_SYSCTLS.join(' ')}
}
digs() {
  ns=$1; k=$2; shift 2
  i=0
  for n in "$@"; do [ $i -ge $k ] && break; printf -- '-q %s\\n' "$n"; i=$((i + 1)); done |
    nsenter --net="$ns" dig +time=2 +tries=1 @127.0.0.11 -f - 2>/dev/null | {
      open=
      while IFS= read -r line; do
        case "$line" in
          "; <<>> DiG "*" <<>> -q "*)
            [ -n "$open" ] && echo "${MARKER} exit $ok"
            echo "${MARKER} dns $ns \${line##* -q }"; echo "${MARKER} section dig"; open=1; ok=9 ;;
          ";; Got answer:"*) ok=0 ;;
        esac
        [ -n "$open" ] && printf '%s\\n' "$line"
      done
      if [ -n "$open" ]; then echo "${MARKER} exit $ok"; return; fi
      # No header at all: dig or the namespace is missing. Each question still gets its answer.
      i=0
      for n in "$@"; do
        [ $i -ge $k ] && break; i=$((i + 1))
        echo "${MARKER} dns $ns $n"; echo "${MARKER} section dig"; echo "dig printed nothing: nsenter --net=$ns dig failed (no such namespace, or no dig in the image)"; echo "${MARKER} exit 1"
      done
    }
}
# One batch of connections, run inside the client's namespace: w http port first k i targets...
# Connection j goes to target (i + j) mod #targets (an index from arithmetic, the only eval).
# Each prints "<source port> ok <target> [HTTP status line]" or "<source port> fail <target> <nc's error>".
CONNECT_BATCH='set -f; w=$1; http=$2; port=$3; p=$4; k=$5; i=$6; shift 6; j=0
  while [ $j -lt $k ]; do
    eval "t=\\\${$(( (i + j) % $# + 1 ))}"
    (
      if [ "$http" = 1 ]; then
        r=$(printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -v -n -w "$w" -p "$p" "$t" "$port" 2>&1 | grep -v "^Connection to " | head -n 1 | tr -d "\\r")
        case "$r" in HTTP/*) echo "$p ok $t $r" ;; *) echo "$p fail $t" $r ;; esac
      elif r=$(nc -v -n -z -w "$w" -p "$p" "$t" "$port" 2>&1); then echo "$p ok $t"
      else echo "$p fail $t" $r; fi
    ) &
    p=$((p + 1)); j=$((j + 1))
    if [ $((j % 10)) -eq 0 ]; then wait; sleep 0.1; fi
  done
  wait'
# The connection table, only our source ports' lines (a busy node has thousands), ipvsadm's header kept.
conns() {
  echo "${MARKER} section ipvs-conns"
  nsenter --net="$1" ipvsadm -Lnc >"$2.c" 2>&1; rc=$?
  head -n 2 "$2.c"; grep -F -f "$2" "$2.c" | grep -v "^pro "
  echo "${MARKER} exit $rc"
}
traffic() {
  c=$1; lb=$2; port=$3; n=$4; first=$5; w=$6; http=$7; shift 7
  echo "${MARKER} traffic $c"
  f=/tmp/swarm-lens-$$.ports
  i=0; while [ $i -lt $n ]; do echo ":$((first + i)) "; i=$((i + 1)); done >"$f"
  [ "$lb" = - ] || run ipvs-stats-before nsenter --net="$lb" ipvsadm -Ln --stats --exact
  i=0
  while [ $i -lt $n ]; do
    k=$((n - i)); [ $k -gt 50 ] && k=50
    echo "${MARKER} section connects"
    nsenter --net="$c" sh -c "$CONNECT_BATCH" sh "$w" "$http" "$port" $((first + i)) "$k" "$i" "$@" 2>&1
    echo "${MARKER} exit $?"
    [ "$lb" = - ] || conns "$lb" "$f"
    i=$((i + k))
  done
  [ "$lb" = - ] || run ipvs-stats-after nsenter --net="$lb" ipvsadm -Ln --stats --exact
  rm -f "$f" "$f.c"
}
while [ $# -gt 0 ]; do
  case "$1" in
    sandbox|brief)
      what=$1; ns=$2; shift 2
      echo "${MARKER} sandbox $ns"
      run iptables-save nsenter --net="$ns" iptables-save
      run ipvsadm-ln nsenter --net="$ns" ipvsadm -Ln
      if [ "$what" = sandbox ]; then
        run ipvsadm-s nsenter --net="$ns" ipvsadm -S -n
        run proc-ip-vs nsenter --net="$ns" cat /proc/net/ip_vs
        run ip-addr nsenter --net="$ns" ip -o -4 addr show
        case "\${ns##*/}" in
          lb_*|ingress_sbox)
            run ipvsadm-lnc nsenter --net="$ns" ipvsadm -Lnc
            run ipvsadm-timeout nsenter --net="$ns" ipvsadm -L --timeout
            run ipvs-sysctls vssysctls "$ns" ;;
        esac
      fi
      ;;
    dns)
      ns=$2; shift 2
      k=0; for a in "$@"; do [ "$a" = -- ] && break; k=$((k + 1)); done
      digs "$ns" "$k" "$@"
      shift $((k + 1))
      ;;
    traffic)
      shift
      k=0; for a in "$@"; do [ "$a" = -- ] && break; k=$((k + 1)); done
      a=; j=0; for x in "$@"; do [ $j -ge $k ] && break; a="$a $x"; j=$((j + 1)); done
      # Fixed-format arguments (guard.ts: paths, numbers, IPv4 addresses): word splitting is safe.
      shift $((k + 1))
      set -f; traffic $a; set +f
      ;;
    *) shift ;;
  esac
done
`;

/** The argv after the script: `sandbox <path>` and `dns <path> <name>... --` groups (consecutive questions in one namespace share a dig). */
export function probeArgs(requests: readonly ProbeRequest[]): string[] {
  const args: string[] = [];
  let dnsNetns: string | undefined;
  for (const r of requests) {
    if (r.kind === 'dns' && r.netns === dnsNetns) {
      args.splice(args.length - 1, 0, r.name); // one more question for the open batch, before its `--`
      continue;
    }
    dnsNetns = r.kind === 'dns' ? r.netns : undefined;
    if (r.kind === 'traffic') args.push('traffic', r.netns, r.lb ?? '-', String(r.port), String(r.count), String(r.firstPort), String(r.timeoutSeconds), r.http ? '1' : '0', ...r.targets, '--');
    else args.push(...(r.kind === 'sandbox' ? [r.brief ? 'brief' : 'sandbox', r.netns] : ['dns', r.netns, r.name, '--']));
  }
  return args;
}

/** A request with its namespace paths mapped (into a helper's /netns and back). */
export function mapPaths(r: ProbeRequest, map: (netns: string) => string): ProbeRequest {
  return r.kind === 'traffic' ? { ...r, netns: map(r.netns), ...(r.lb ? { lb: map(r.lb) } : {}) } : { ...r, netns: map(r.netns) };
}

export interface CommandOutput {
  /** What a person would type for the same answer. */
  command: string;
  output: string;
  exitCode: number | null;
}

export interface SandboxDump {
  netns: string;
  sections: Partial<Record<SandboxSection, CommandOutput>>;
}

export interface DnsDump {
  netns: string;
  name: string;
  result: CommandOutput;
}

export interface TrafficDump {
  /** The client namespace the connections came from. */
  netns: string;
  sections: Partial<Record<TrafficSection, CommandOutput>>;
}

export interface ProbeOutput {
  sandboxes: SandboxDump[];
  dns: DnsDump[];
  /** Only when a traffic request was run (absent in older snapshots). */
  traffic?: TrafficDump[];
}

const COMMANDS: Record<SandboxSection | 'dig', (netns: string, name?: string) => string> = {
  'iptables-save': (ns) => `nsenter --net=${ns} iptables-save`,
  'ipvsadm-ln': (ns) => `nsenter --net=${ns} ipvsadm -Ln`,
  'ipvsadm-s': (ns) => `nsenter --net=${ns} ipvsadm -S -n`,
  'proc-ip-vs': (ns) => `nsenter --net=${ns} cat /proc/net/ip_vs`,
  'ip-addr': (ns) => `nsenter --net=${ns} ip -o -4 addr show`,
  'ipvsadm-lnc': (ns) => `nsenter --net=${ns} ipvsadm -Lnc`,
  'ipvsadm-timeout': (ns) => `nsenter --net=${ns} ipvsadm -L --timeout`,
  'ipvs-sysctls': (ns) => `nsenter --net=${ns} cat ${IPVS_SYSCTLS.map((n) => `/proc/sys/net/ipv4/vs/${n}`).join(' ')}`,
  dig: (ns, name) => `nsenter --net=${ns} dig @127.0.0.11 ${name} A`,
};

/**
 * Cuts the script's output back into commands. `rename` maps paths as the probe saw them
 * (/netns/lb_x inside a helper) back to the node's paths. Anything malformed is dropped, not thrown.
 */
export function splitProbeOutput(text: string, rename: (netns: string) => string = (p) => p): ProbeOutput {
  const out: ProbeOutput = { sandboxes: [], dns: [] };
  let sandbox: SandboxDump | undefined;
  let dns: DnsDump | undefined;
  let traffic: TrafficDump | undefined;
  let section: { name: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(MARKER + ' ')) {
      section?.lines.push(line);
      continue;
    }
    const [, kind, ...rest] = line.split(' ');
    if (kind === 'sandbox') {
      sandbox = { netns: rename(rest.join(' ')), sections: {} };
      dns = traffic = undefined;
      out.sandboxes.push(sandbox);
    } else if (kind === 'traffic') {
      traffic = { netns: rename(rest.join(' ')), sections: {} };
      sandbox = dns = undefined;
      (out.traffic ??= []).push(traffic);
    } else if (kind === 'dns') {
      const name = rest.pop() ?? '';
      dns = { netns: rename(rest.join(' ')), name, result: { command: '', output: '', exitCode: null } };
      sandbox = traffic = undefined;
      out.dns.push(dns);
    } else if (kind === 'section') {
      section = { name: rest[0] ?? '', lines: [] };
    } else if (kind === 'exit' && section) {
      const exitCode = Number(rest[0]);
      const result: CommandOutput = {
        command: '',
        output: section.lines.join('\n'),
        exitCode: Number.isInteger(exitCode) ? exitCode : null,
      };
      if (sandbox && (SANDBOX_SECTIONS as readonly string[]).includes(section.name)) {
        result.command = COMMANDS[section.name as SandboxSection](sandbox.netns);
        sandbox.sections[section.name as SandboxSection] = result;
      } else if (traffic && (TRAFFIC_SECTIONS as readonly string[]).includes(section.name)) {
        // Batches repeat `connects` and `ipvs-conns`: joined, the first failing exit kept.
        const name = section.name as TrafficSection;
        const before = traffic.sections[name];
        traffic.sections[name] = before ? { command: name, output: `${before.output}\n${result.output}`, exitCode: before.exitCode || result.exitCode } : { ...result, command: name };
      } else if (dns && section.name === 'dig') {
        result.command = COMMANDS.dig(dns.netns, dns.name);
        dns.result = result;
      }
      section = undefined;
    }
  }
  return out;
}
