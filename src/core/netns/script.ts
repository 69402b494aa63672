// What one probe run collects, and how its output is cut back into pieces.
// The script is a constant: cluster data (netns paths, names) only ever travels as positional
// arguments ("$@"), never spliced into shell text, and a name reaches dig only after -q, never
// where dig reads options (guard.ts also checks it first).

/** One thing to read: a sandbox's rules and IPVS table, or a DNS query from a sandbox. */
export type ProbeRequest =
  /** `brief`: rules and the IPVS listing only, without the fallbacks a trace shows (a check's read). */
  | { kind: 'sandbox'; netns: string; brief?: boolean }
  | { kind: 'dns'; netns: string; name: string };

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
    args.push(...(r.kind === 'sandbox' ? [r.brief ? 'brief' : 'sandbox', r.netns] : ['dns', r.netns, r.name, '--']));
  }
  return args;
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

export interface ProbeOutput {
  sandboxes: SandboxDump[];
  dns: DnsDump[];
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
  let section: { name: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(MARKER + ' ')) {
      section?.lines.push(line);
      continue;
    }
    const [, kind, ...rest] = line.split(' ');
    if (kind === 'sandbox') {
      sandbox = { netns: rename(rest.join(' ')), sections: {} };
      dns = undefined;
      out.sandboxes.push(sandbox);
    } else if (kind === 'dns') {
      const name = rest.pop() ?? '';
      dns = { netns: rename(rest.join(' ')), name, result: { command: '', output: '', exitCode: null } };
      sandbox = undefined;
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
      } else if (dns && section.name === 'dig') {
        result.command = COMMANDS.dig(dns.netns, dns.name);
        dns.result = result;
      }
      section = undefined;
    }
  }
  return out;
}
