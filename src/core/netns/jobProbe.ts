// The third way into a node's namespaces, only where the user turned it on: a short-lived swarm
// job (a one-replica service that runs once, pinned to the node) created through a manager, running the helper image
// with the node's netns folder mounted read-only, its output read from the service's logs. The
// only write to the cluster Swarm Lens ever makes; the service is removed afterwards, also on
// cancel, and labelled so a leftover can be found.
import { randomBytes } from 'node:crypto';
import type { DockerEndpoint } from '../docker/endpoint';
import { EngineError, toEngineError } from '../docker/errors';
import { EngineHttp } from '../docker/http';
import { checkProbeRequests } from './guard';
import { demux, helperPaths, type Probe, type ProbeOptions } from './probe';
import { HOST_NETNS, MARKER, PROBE_SCRIPT, mapPaths, probeArgs, splitProbeOutput } from './script';

export const JOB_NAME_PREFIX = 'swarm-lens-probe-';
/** The label on a job's service and its task's container (not the helper label: not a helper container). */
export const JOB_LABEL = 'swarm-lens.job';
/** Where a default install keeps its sandboxes; the job cannot ask the node's engine. */
export const DEFAULT_NETNS_DIR = '/var/run/docker/netns';

/** A connection the engine (or a proxy before it) dropped or refused for now: safe to ask again. */
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'EAGAIN']);

const DONE = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned']);

/** The service spec of one probe run on one node (exported for the test that reads it). */
export function jobSpec(name: string, nodeId: string, netnsDir: string, image: string, args: string[], hostNetwork: boolean): unknown {
  return {
    Name: name,
    Labels: { [JOB_LABEL]: '1' },
    // One replica that is never restarted runs once, like a replicated job; unlike a job's (seen on
    // engines 20.10 and 26.1), its stopped container is removed with the service.
    Mode: { Replicated: { Replicas: 1 } },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Command: ['sh'],
        Args: ['-c', PROBE_SCRIPT, 'swarm-lens', ...args],
        Labels: { [JOB_LABEL]: '1' },
        Mounts: [{ Type: 'bind', Source: netnsDir, Target: '/netns', ReadOnly: true }],
        // setns needs SYS_ADMIN; reading iptables and IPVS needs NET_ADMIN. Nothing else.
        CapabilityAdd: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'],
      },
      Placement: { Constraints: [`node.id==${nodeId}`] },
      RestartPolicy: { Condition: 'none' },
      Networks: hostNetwork ? [{ Target: 'host' }] : [],
    },
  };
}

/**
 * A read whose connection was dropped or refused for now is asked again, twice at most: reads are
 * safe to repeat.
 */
async function readAgain<T>(read: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 3 || signal.aborted || !DROPPED.has(code ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

export function jobProbe(manager: DockerEndpoint, nodeId: string, netnsDir: string, options: ProbeOptions): Probe {
  return {
    kind: 'job',
    run: async (requests, signal) => {
      checkProbeRequests(requests, netnsDir);
      if (!/^[a-z0-9]{25}$/.test(nodeId)) throw new EngineError('bad-response', 'Refused to create a swarm job: the node ID is not one.', `node id ${JSON.stringify(nodeId.slice(0, 80))}`);
      const api = new EngineHttp(manager);
      const { inside, back } = helperPaths(netnsDir);
      const hostNetwork = requests.some((r) => r.netns === HOST_NETNS);
      const name = `${JOB_NAME_PREFIX}${randomBytes(6).toString('hex')}`;
      const deadline = AbortSignal.timeout(options.timeoutMs);
      const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
      let stage = 'create';
      try {
        abort.throwIfAborted();
        // Like the helper's create: never aborted mid-flight, so the removal below finds what it made.
        const spec = jobSpec(name, nodeId, netnsDir, options.helperImage, probeArgs(requests.map((r) => mapPaths(r, inside))), hostNetwork);
        await api.json('POST', '/services/create', AbortSignal.timeout(30_000), spec).catch(async (err: NodeJS.ErrnoException) => {
          // A connection dropped before the answer: the service may exist or not. Only when it does not is it created again.
          if (!DROPPED.has(err.code ?? '')) throw err;
          const exists = (await readAgain(() => api.send('GET', `/services/${name}`, AbortSignal.timeout(30_000)), abort)).status === 200;
          if (!exists) await api.json('POST', '/services/create', AbortSignal.timeout(30_000), spec);
        });
        stage = 'wait';
        const filters = encodeURIComponent(JSON.stringify({ service: [name] }));
        let state = '';
        let message = '';
        for (let pause = 200; ; pause = Math.min(pause * 2, 1000)) {
          abort.throwIfAborted();
          const tasks = (await readAgain(() => api.json('GET', `/tasks?filters=${filters}`, abort), abort)) as { Status?: { State?: string; Err?: string; Message?: string } }[];
          const status = tasks[0]?.Status;
          state = status?.State ?? '';
          message = status?.Err || status?.Message || '';
          if (DONE.has(state)) break;
          await new Promise((r) => setTimeout(r, pause));
        }
        stage = 'logs';
        const logs = await readAgain(() => api.send('GET', `/services/${name}/logs?stdout=1&stderr=1`, abort), abort);
        const text = logs.status === 200 ? demux(logs.body) : '';
        if (state !== 'complete' || !text.includes(MARKER)) {
          throw new EngineError('api', `The swarm job on the node ended "${state}" without the namespace dump: check that ${options.helperImage} is on the node and may run with SYS_ADMIN and NET_ADMIN; see the log.`, `job ${name}: ${state} ${message}; logs HTTP ${logs.status}: ${text.slice(0, 300)}`);
        }
        return splitProbeOutput(text, back);
      } catch (err) {
        if (deadline.aborted && !signal?.aborted) throw new EngineError('timeout', `The swarm job did not finish in ${options.timeoutMs / 1000} s: check that the image ${options.helperImage} is on the node.`, `job ${name} timeout`);
        throw toEngineError(err, manager, `swarm job (${options.helperImage}), ${stage}`);
      } finally {
        // Removed whatever happened, with a signal of its own (the run's may be aborted).
        await api.send('DELETE', `/services/${name}`, AbortSignal.timeout(15_000)).catch(() => undefined);
      }
    },
  };
}
