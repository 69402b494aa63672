/**
 * Which host each part of a paste comes from. Bug reports glue several nodes' dumps together
 * and name them in prompts (`root@node2:~#`, `[root@node1 ~]#`), in `ssh node2`, or in the
 * prose between blocks (`On host1, in lb_x:`, `## node2`). Marks are numbered per node, so
 * joining one node's mark to another node's pool would state a fact nobody saw.
 */

// user@host in a prompt, as bash, zsh and busybox print it.
const PROMPT_HOST = /^\[?[\w.-]+@([A-Za-z0-9][\w.-]*)(?=[:\s\]~$#%>]|$)/;
// Prose and headings: "on node2", "from host1", "Host: node-01", "== worker-2 ==".
const PROSE_HOST = /\b(?:on|from|host|node)\s*:?\s+`?([A-Za-z][\w.-]*)`?/gi;
const HEADING_HOST = /^(?:#{1,6}|={2,}|-{2,})\s*([A-Za-z][\w.-]*)\s*[=#-]*$/;
// A host name has a digit or says what it is (node, host, manager, worker) with more after it:
// "on a node" or "from the host" name nothing.
const HOSTISH = /\d|^(?:\w[\w-]*[-_.])?(?:node|host|manager|worker|swarm)[\w.-]+$/i;

function hostish(name: string): string | null {
  const n = name.replace(/[.,:;]+$/, '');
  return n.length > 0 && n.length <= 64 && HOSTISH.test(n) ? n : null;
}

/** The host a prompt, an ssh command, a heading or a line of prose names; null when none. */
export function hostNamed(t: string): string | null {
  if (t.length > 200) return null;
  const p = PROMPT_HOST.exec(t);
  if (p !== null) return p[1]!;
  const ssh = /(?:^|[\s$#])ssh\s+(?:-\S+\s+)*(?:[\w.-]+@)?([A-Za-z0-9][\w.-]*)\s*$/.exec(t);
  if (ssh !== null) return ssh[1]!;
  const h = HEADING_HOST.exec(t);
  if (h !== null) return hostish(h[1]!);
  PROSE_HOST.lastIndex = 0;
  for (let m = PROSE_HOST.exec(t); m !== null; m = PROSE_HOST.exec(t)) {
    const name = hostish(m[1]!);
    if (name !== null) return name;
  }
  return null;
}

/** The hosts named along a text, and which one a line belongs to. */
export class HostTracker {
  private readonly lines: number[] = [];
  private readonly names: string[] = [];

  /** A non-data line: remembered when it names a host different from the current one. */
  see(lineNo: number, t: string): void {
    const name = hostNamed(t);
    if (name === null || this.names[this.names.length - 1] === name) return;
    this.lines.push(lineNo);
    this.names.push(name);
  }

  /** The host named last before `line`; null before any. */
  at(line: number): string | null {
    let lo = 0;
    let hi = this.lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lines[mid]! < line) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? null : this.names[lo - 1]!;
  }
}
