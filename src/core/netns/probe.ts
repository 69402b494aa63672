// Two ways into a node's network namespaces, one interface:
//  - host probe: we run on the node as root, so nsenter runs here directly;
//  - helper probe: a short-lived container on that node, started through the Docker API alone
//    (network none, the netns folder mounted read-only, labelled, removed even on cancel).
// Both run the same constant script (script.ts) once for everything a trace needs.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineHttp } from '../docker/http';
import type { DockerEndpoint } from '../docker/endpoint';
import { EngineError, toEngineError } from '../docker/errors';
import { checkProbeRequests } from './guard';
import { HOST_NETNS, MARKER, PROBE_SCRIPT, mapPaths, ProbeOutput, ProbeRequest, probeArgs, splitProbeOutput } from './script';

export const HELPER_LABEL = 'swarm-lens.helper';
const SELF_NETNS = '/proc/self/ns/net';

/**
 * Paths as a helper sees them: the node's netns folder mounted at /netns, and the node's own
 * namespace as the helper's own (it runs on the host network for that). `back` undoes it.
 */
export function helperPaths(netnsDir: string) {
  return {
    inside: (p: string) => (p === HOST_NETNS ? SELF_NETNS : p.startsWith(netnsDir + '/') ? '/netns/' + path.basename(p) : p),
    back: (p: string) => (p === SELF_NETNS ? HOST_NETNS : p.startsWith('/netns/') ? path.join(netnsDir, p.slice('/netns/'.length)) : p),
  };
}

export interface Probe {
  readonly kind: 'host' | 'helper' | 'job' | 'offline';
  /** `node`: whose namespaces (a snapshot holds several nodes' dumps; a live probe reaches one). */
  run(requests: readonly ProbeRequest[], signal?: AbortSignal, node?: string): Promise<ProbeOutput>;
}

export interface ProbeOptions {
  timeoutMs: number;
  /** Image with sh, nsenter, iptables-save, ipvsadm, ip and dig (default nicolaka/netshoot). */
  helperImage: string;
}

/** The host probe works when this process runs as root on the node whose netns folder it reads. */
export function canProbeFromHost(endpoint: DockerEndpoint, netnsDir: string): boolean {
  return endpoint.protocol === 'unix' && process.platform === 'linux' && process.getuid?.() === 0 && fs.existsSync(netnsDir);
}

/** The most one probe run may print (host stdout); a helper's logs are capped by the HTTP layer. */
const MAX_PROBE_OUTPUT = 64 * 1024 * 1024;

export function hostProbe(netnsDir: string, timeoutMs: number): Probe {
  const runScript = (requests: readonly ProbeRequest[], signal?: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      execFile('sh', ['-c', PROBE_SCRIPT, 'swarm-lens', ...probeArgs(requests)], { timeout: timeoutMs, signal, maxBuffer: MAX_PROBE_OUTPUT, encoding: 'utf8' }, (err, stdout) => {
        // Cut output would read as missing rules: past the cap it is an error, not a short answer.
        if ((err as NodeJS.ErrnoException | null)?.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          return reject(new EngineError('bad-response', `The namespace dump is larger than ${MAX_PROBE_OUTPUT / 1024 / 1024} MiB: trace a narrower target, or read it by hand with the equivalent commands.`, `probe output over ${MAX_PROBE_OUTPUT} bytes`));
        }
        // The script reports each command's own failure in its output; only a failure to run it at all is an error.
        if (err && !stdout) reject(toEngineError(err, undefined, 'sh -c <probe script>'));
        else resolve(stdout);
      });
    });
  return {
    kind: 'host',
    // One script per request, all at once (dig waits on the network, nsenter on the kernel), but
    // one for a namespace's DNS questions (one dig answers them all); outputs are joined in
    // request order, so the result reads as one run.
    run: async (requests, signal) => {
      checkProbeRequests(requests, netnsDir);
      const groups: ProbeRequest[][] = [];
      for (const r of requests) {
        const last = groups.at(-1);
        if (r.kind === 'dns' && last?.[0].kind === 'dns' && last[0].netns === r.netns) last.push(r);
        else groups.push([r]);
      }
      return splitProbeOutput((await Promise.all(groups.map((g) => runScript(g, signal)))).join(''));
    },
  };
}

/** What helperProbe gives its containers: this label value, this name, the configured image. */
const HELPER_LABEL_VALUE = '1';
const HELPER_NAME_PREFIX = 'swarm-lens-helper-';
const HELPER_NAME = new RegExp(`^/?${HELPER_NAME_PREFIX}[0-9a-f]{12}$`);
/** No trace runs this long: a running helper older than this is hung, not another trace's work. */
const HUNG_HELPER_MS = 60 * 60 * 1000;

interface ContainerSummary {
  Id?: unknown;
  Names?: unknown;
  Image?: unknown;
  Labels?: unknown;
  Created?: unknown;
  State?: unknown;
}

/**
 * Removes helper containers a crashed run left behind. Only ours: the label with our value, our
 * name and the helper image, whatever the engine's filter let through. A helper another trace
 * (another window, the CLI) is using right now is left alone: a stopped one younger than a few
 * seconds may be about to start, and a running one is removed only far past any trace's timeout.
 */
export async function removeLeftoverHelpers(endpoint: DockerEndpoint, helperImage: string, timeoutMs: number, signal = AbortSignal.timeout(10_000)): Promise<number> {
  const api = new EngineHttp(endpoint);
  const filters = encodeURIComponent(JSON.stringify({ label: [`${HELPER_LABEL}=${HELPER_LABEL_VALUE}`], name: [HELPER_NAME_PREFIX] }));
  const listed = await api.json('GET', `/containers/json?all=1&filters=${filters}`, signal);
  const ageMs = (c: ContainerSummary) => Date.now() - Number(c.Created) * 1000;
  const ours = (c: ContainerSummary) =>
    typeof c.Id === 'string' &&
    /^[0-9a-f]{12,64}$/.test(c.Id) &&
    Number.isFinite(Number(c.Created)) &&
    (c.Labels as Record<string, unknown> | undefined)?.[HELPER_LABEL] === HELPER_LABEL_VALUE &&
    Array.isArray(c.Names) &&
    c.Names.length === 1 &&
    HELPER_NAME.test(String(c.Names[0])) &&
    c.Image === helperImage;
  const leftover = (c: ContainerSummary) => (c.State === 'running' ? ageMs(c) > Math.max(HUNG_HELPER_MS, 10 * timeoutMs) : ageMs(c) > 5000);
  const leftovers = (Array.isArray(listed) ? (listed as ContainerSummary[]) : []).filter((c) => ours(c) && leftover(c));
  await Promise.all(leftovers.map((c) => api.send('DELETE', `/containers/${c.Id as string}?force=1`, signal).catch(() => undefined)));
  return leftovers.length;
}

/** Bound of the create call alone, whatever the trace's timeout: it is never cancelled (see helperProbe). */
const CREATE_TIMEOUT_MS = 30_000;

/** Removes a helper by name until the engine says it is gone (a removal already in progress answers 409). */
async function removeHelper(api: EngineHttp, name: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (let pause = 100; ; pause = Math.min(pause * 2, 2000)) {
    const status = await api.send('DELETE', `/containers/${name}?force=1`, AbortSignal.timeout(10_000)).then((a) => a.status, () => 0);
    if (status === 204 || status === 404 || Date.now() + pause > deadline) return;
    await new Promise((r) => setTimeout(r, pause));
  }
}

export function helperProbe(endpoint: DockerEndpoint, netnsDir: string, options: ProbeOptions): Probe {
  return {
    kind: 'helper',
    run: async (requests, signal) => {
      checkProbeRequests(requests, netnsDir);
      const api = new EngineHttp(endpoint);
      await removeLeftoverHelpers(endpoint, options.helperImage, options.timeoutMs).catch(() => 0);
      // Inside the helper the node's netns folder is /netns; paths are mapped there and back.
      // The node's own namespace (/proc/1/ns/net on the node) cannot be opened from a container
      // (EACCES even with SYS_ADMIN and the host's PID namespace): a helper that needs it runs
      // on the host network instead and enters its own namespace.
      const hostNetwork = requests.some((r) => r.netns === HOST_NETNS);
      const { inside, back } = helperPaths(netnsDir);
      const mapped = requests.map((r) => mapPaths(r, inside));
      // A known name, so the container can be removed without its id.
      const name = `swarm-lens-helper-${randomBytes(6).toString('hex')}`;
      const timer = new AbortController();
      const timeout = setTimeout(() => timer.abort(), options.timeoutMs);
      const abort = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
      try {
        abort.throwIfAborted();
        // Never aborted mid-flight: dockerd finishes a create whose client went away, so a DELETE
        // sent meanwhile finds nothing (404) and the container appears afterwards. A cancel waits
        // for the create (its own bound), then the finally removes what it made.
        const { Id: id } = (await api.json('POST', `/containers/create?name=${name}`, AbortSignal.timeout(CREATE_TIMEOUT_MS), {
          Image: options.helperImage,
          Entrypoint: ['sh'],
          Cmd: ['-c', PROBE_SCRIPT, 'swarm-lens', ...probeArgs(mapped)],
          Labels: { [HELPER_LABEL]: '1' },
          NetworkDisabled: !hostNetwork,
          HostConfig: {
            NetworkMode: hostNetwork ? 'host' : 'none',
            Binds: [`${netnsDir}:/netns:ro`],
            // setns needs SYS_ADMIN; reading iptables and IPVS needs NET_ADMIN. Nothing else.
            CapAdd: ['SYS_ADMIN', 'NET_ADMIN'],
            SecurityOpt: ['apparmor=unconfined'],
          },
        })) as { Id: string };
        abort.throwIfAborted();
        await api.json('POST', `/containers/${id}/start`, abort);
        const exit = (await api.json('POST', `/containers/${id}/wait`, abort)) as { StatusCode?: number };
        const logs = await api.send('GET', `/containers/${id}/logs?stdout=1&stderr=1`, abort);
        const text = logs.status === 200 ? demux(logs.body) : '';
        // The script itself always ends 0; anything else means it could not run (no sh in the image...).
        if (exit.StatusCode !== 0 || !text.includes(MARKER)) {
          throw new EngineError('api', `The helper container ${options.helperImage} could not read the namespaces (exit ${exit.StatusCode}): it needs sh, nsenter, iptables-save, ipvsadm, ip and dig; see the log.`, `helper exit ${exit.StatusCode}, logs HTTP ${logs.status}: ${text.slice(0, 500)}`);
        }
        return splitProbeOutput(text, back);
      } catch (err) {
        if (timer.signal.aborted && !signal?.aborted) throw new EngineError('timeout', `The helper container did not finish in ${options.timeoutMs / 1000} s: check that the image ${options.helperImage} is on the node.`, 'helper timeout');
        const error = toEngineError(err, endpoint, `helper container (${options.helperImage})`);
        if (/No such image|not found/i.test(error.detail)) {
          throw new EngineError('api', `The helper image ${options.helperImage} is not on the node: pull it there ("docker pull ${options.helperImage}") or set swarmLens.trace.helperImage.`, error.detail);
        }
        throw error;
      } finally {
        clearTimeout(timeout);
        // Removed even on cancel or timeout (with a signal of its own: the trace's may be aborted).
        // A create that timed out, or a crash, leaves it labelled for the next run to remove.
        await removeHelper(api, name);
      }
    },
  };
}

/** Docker's multiplexed log stream (8-byte frame headers) to plain text; plain text passes through. */
export function demux(buffer: Buffer | string): string {
  if (typeof buffer === 'string') return buffer;
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (stream > 2 || buffer[offset + 1] !== 0 || offset + 8 + size > buffer.length) return buffer.toString('utf8');
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
