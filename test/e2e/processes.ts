// Process bookkeeping for the VS Code test harness: every process started (code-server and its
// children, chromium) is tracked and killed on stop()/close(), on timeout, and as a last resort
// when this Node process exits or gets SIGINT/SIGTERM; temp folders are removed with them.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/** Process-group ids (= pid of a detached child) to kill if this process ends first. */
export const liveGroups = new Set<number>();
/** Temp folders to remove if the process exits early. */
export const liveTemps = new Set<string>();
let exitHooksInstalled = false;

export function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killTree(pgid, 'SIGKILL');
    for (const dir of liveTemps) fs.rmSync(dir, { recursive: true, force: true });
    // chromium: playwright kills it on exit itself (handleSIGINT/SIGTERM/SIGHUP + exit hook).
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      for (const pgid of liveGroups) killTree(pgid, 'SIGKILL');
      liveGroups.clear();
      process.removeListener(sig, handler);
      if (process.listenerCount(sig) === 0) {
        process.kill(process.pid, sig); // default action: terminate
      } else {
        // Someone else handles it too (playwright closes its browsers on SIGTERM/SIGHUP but does
        // not exit): give them a moment, then terminate as the signal intended.
        setTimeout(() => process.exit(128 + (os.constants.signals[sig] ?? 15)), 2000);
      }
    };
    process.on(sig, handler);
  }
}

/** All descendants of pid (from /proc), deepest last. Linux only; [] elsewhere. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      /* process went away */
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals a detached child's process group and every descendant (some escape the group via setsid, e.g. terminals). */
function killTree(pgid: number, signal: NodeJS.Signals): void {
  const pids = [pgid, ...descendants(pgid)];
  try {
    process.kill(-pgid, signal);
  } catch {
    /* group gone */
  }
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      /* gone */
    }
  }
}


export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A tiny detached process that outlives us if we are SIGKILLed: when its parent (this process)
 * is gone it kills the process group `pgid` and removes `tempDir`. Exits by itself once the
 * group is gone. Without it, an orphaned code-server child (e.g. its file watcher) can linger.
 */
const WATCHDOG_SCRIPT = `
const [parent, pgid, tempDir] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3]];
const groupAlive = () => { try { process.kill(-pgid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const kill = (sig) => { try { process.kill(-pgid, sig); } catch {} };
const timer = setInterval(() => {
  if (!groupAlive()) process.exit(0);
  if (process.ppid !== parent) {
    clearInterval(timer);
    kill('SIGTERM');
    setTimeout(() => {
      kill('SIGKILL');
      if (tempDir) { try { require('fs').rmSync(tempDir, { recursive: true, force: true }); } catch {} }
      process.exit(0);
    }, 2000);
  }
}, 1000);
`;


export function startWatchdog(pgid: number, tempDir: string | undefined): ChildProcess | undefined {
  try {
    const wd = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT, String(process.pid), String(pgid), tempDir ?? ''], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '' },
    });
    wd.unref();
    return wd;
  } catch {
    return undefined;
  }
}


export async function stopTree(pgid: number, graceMs = 3000): Promise<void> {
  const tracked = [pgid, ...descendants(pgid)];
  killTree(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tracked.some(alive)) await sleep(50);
  if (tracked.some(alive)) {
    killTree(pgid, 'SIGKILL');
    for (const p of tracked) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const hard = Date.now() + 2000;
    while (Date.now() < hard && tracked.some(alive)) await sleep(50);
  }
  liveGroups.delete(pgid);
}
