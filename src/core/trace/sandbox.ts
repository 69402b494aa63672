// One sandbox's outputs as the probe printed them, parsed: its rules, its IPVS table, and whether
// it could be read at all. Shared by the join and the findings (kept apart so neither imports
// the other for it).
import * as path from 'node:path';
import { flattenRules, parseIpvsadm, parseIpvsadmSave, parseIptablesSave, parseProcIpVs } from '../parse';
import type { IptablesRule, IpvsService } from '../parse';
import { HOST_NETNS, type SandboxDump } from '../netns/script';
import type { SandboxRead } from './types';

/** One sandbox's outputs, parsed. */
export interface ParsedSandbox {
  read: SandboxRead;
  name: string;
  rules: IptablesRule[];
  ipvs: IpvsService[];
  /** The first line of ipvsadm's complaint when the kernel has no IPVS. */
  ipvsError: string | null;
  /** Why the sandbox exists but could not be read (nsenter not permitted, a tool missing). */
  readError: string | null;
  /**
   * The probe's own outputs are a fixed format, read strictly: lines a reader did not understand
   * are a surprise worth reporting (a newer tool's format), never silently dropped. One entry per
   * output with such lines: its command and how many.
   */
  unread: { command: string; lines: number }[];
  dump: SandboxDump;
}

const NO_IPVS = /can't initialize ipvs|protocol not available|ip_vs: no such file/i;
// Only a missing file is absence; "cannot open ...: Permission denied" is a sandbox we could not read.
const NO_NETNS = /no such file or directory/i;

export function parseSandbox(dump: SandboxDump): ParsedSandbox {
  const name = path.basename(dump.netns);
  const s = dump.sections;
  const save = s['iptables-save'];
  // Absent: nsenter found no such namespace file. Any other failure is a sandbox we could not read.
  const present = !!save && !(save.exitCode !== 0 && NO_NETNS.test(save.output.split('\n')[0] ?? ''));
  const readError = save && save.exitCode !== 0 && present ? (save.output.split('\n')[0] ?? '').trim() || `exit ${save.exitCode}` : null;
  const listing = s['ipvsadm-ln'];
  const ipvsMessages = [listing?.output, s['proc-ip-vs']?.output].filter((t): t is string => !!t);
  const ipvsErrorLine = ipvsMessages.flatMap((t) => t.split('\n')).find((l) => NO_IPVS.test(l));
  const unread: ParsedSandbox['unread'] = [];
  const strictly = <T extends { skippedLines: number }>(section: { command: string } | undefined, result: T): T => {
    if (section && result.skippedLines > 0) unread.push({ command: section.command, lines: result.skippedLines });
    return result;
  };
  let ipvs: IpvsService[] = [];
  if (listing?.exitCode === 0) ipvs = strictly(listing, parseIpvsadm(listing.output)).services;
  if (ipvs.length === 0 && s['ipvsadm-s']?.exitCode === 0) ipvs = parseIpvsadmSave(s['ipvsadm-s'].output).services;
  if (ipvs.length === 0 && s['proc-ip-vs']?.exitCode === 0) ipvs = parseProcIpVs(s['proc-ip-vs'].output).services;
  const ipvsAvailable = !present ? null : ipvsErrorLine ? false : listing?.exitCode === 0 || s['proc-ip-vs']?.exitCode === 0 ? true : null;
  const kind: SandboxRead['kind'] = name.startsWith('lb_') ? 'lb' : name === 'ingress_sbox' ? 'ingress' : dump.netns === HOST_NETNS ? 'host' : 'container';
  return {
    read: { netns: dump.netns, kind, present, ipvsAvailable },
    name,
    rules: present && save && !readError ? flattenRules(strictly(save, parseIptablesSave(save.output))) : [],
    readError,
    unread,
    ipvs,
    ipvsError: ipvsErrorLine?.trim() ?? null,
    dump,
  };
}

/** The sentence for a sandbox whose outputs held lines no reader understood (the trace's and the check's). */
export function unreadSentence(s: ParsedSandbox, node: string): string {
  const what = s.unread.map((u) => `${u.lines} line${u.lines === 1 ? '' : 's'} of ${u.command.replace(/^nsenter --net=\S+ /, '')}`).join(' and ');
  return `Swarm Lens could not read ${what} in ${s.name} on ${node}: what they hold is missing from this reading.`;
}

export const UNREAD_FIX = 'Open the raw output to see those lines, and report them with it: the tool printed a format Swarm Lens does not know yet.';

/** Docker names a network's load-balancer sandbox after the first 9 characters of its id. */
export function lbSandboxName(networkId: string): string {
  return `lb_${networkId.slice(0, 9)}`;
}
