// What a live probe accepts, checked where cluster data meets a root shell (nsenter, dig): a
// namespace only inside the node's Docker netns folder or the host's own, a DNS name only in
// DNS syntax. The engine's answers are data, not commands, even when they look like options.
import * as path from 'node:path';
import { EngineError } from '../docker/errors';
import { isIPv4 } from '../parse/values';
import { MAX_PROBE_CONNECTIONS } from '../traffic/types';
import { HOST_NETNS, type ProbeRequest, type TrafficRequest } from './script';

/** Docker keeps sandboxes in <exec-root>/netns: /var/run/docker/netns, /run/snap.docker/netns... */
export function isNetnsDir(dir: string): boolean {
  return path.isAbsolute(dir) && path.normalize(dir) === dir && !dir.endsWith('/') && path.basename(dir) === 'netns' && /^[\w./@+:-]+$/.test(dir);
}

/** A file directly in the netns folder (lb_<id>, ingress_sbox, 1-<id>, a sandbox id), or the host's namespace. */
export function isNetnsPath(file: string, netnsDir: string): boolean {
  return file === HOST_NETNS || (path.dirname(file) === netnsDir && /^\w[\w.-]*$/.test(path.basename(file)));
}

/** Labels of letters, digits, `_` and `-` (not first), at most 63 each and 253 in all; a final dot is allowed. */
export function isDnsName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return bare.length > 0 && bare.length <= 253 && bare.split('.').every((label) => /^\w[\w-]{0,62}$/.test(label));
}

/** Throws one sentence for the first request a probe must not run; the value goes to the log quoted. */
export function checkProbeRequests(requests: readonly ProbeRequest[], netnsDir: string): void {
  const quoted = (text: string) => JSON.stringify(text.slice(0, 200));
  if (!isNetnsDir(netnsDir)) {
    throw new EngineError('bad-response', "Refused to read namespaces: the engine's sandbox path is not in a Docker netns folder; check that you reach the Docker engine you meant.", `netns folder ${quoted(netnsDir)}`);
  }
  for (const r of requests) {
    if (!isNetnsPath(r.netns, netnsDir)) {
      throw new EngineError('bad-response', `Refused to read a namespace outside ${netnsDir}: check that you reach the Docker engine you meant; the path is in the Swarm Lens log.`, `netns path ${quoted(r.netns)}`);
    }
    if (r.kind === 'traffic') checkTraffic(r, netnsDir, quoted);
    if (r.kind === 'dns' && !isDnsName(r.name)) {
      throw new EngineError('api', 'Refused to ask DNS for a name that is not a DNS name (letters, digits, "-" and "_" in dot-separated labels): pick another name.', `dns name ${quoted(r.name)}`);
    }
  }
}

const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;

/** Traffic goes only to addresses, within the bounds the probe promises (count, ports, time). */
function checkTraffic(r: TrafficRequest, netnsDir: string, quoted: (text: string) => string): void {
  if (r.lb !== undefined && !isNetnsPath(r.lb, netnsDir)) {
    throw new EngineError('bad-response', `Refused to read a namespace outside ${netnsDir}: check that you reach the Docker engine you meant; the path is in the Swarm Lens log.`, `netns path ${quoted(r.lb)}`);
  }
  const bad = r.targets.find((t) => !isIPv4(t));
  if (r.targets.length === 0 || bad !== undefined) throw new EngineError('api', 'Refused to send traffic to something that is not an IPv4 address.', `traffic target ${quoted(bad ?? '(none)')}`);
  if (!whole(r.count, 1, MAX_PROBE_CONNECTIONS) || !whole(r.port, 1, 65535) || !whole(r.timeoutSeconds, 1, 10) || !whole(r.firstPort, 1024, 65535 - r.count)) {
    throw new EngineError('api', `Refused a probe outside its bounds: 1 to ${MAX_PROBE_CONNECTIONS} connections, a port from 1 to 65535, 1 to 10 s each.`, `traffic ${quoted(JSON.stringify({ ...r, targets: r.targets.length }))}`);
  }
}
