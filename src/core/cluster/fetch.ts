// One refresh: /info, then /services, /tasks, /nodes, /networks at once, then one verbose
// inspect per swarm-scoped network. 5 + N calls, none per service or per task.
import { readerName, type EngineReader } from '../docker/engine';
import { EngineError, notSwarmError } from '../docker/errors';
import { arr, bool, str } from './read';
import { RawCluster, swarmState } from './state';

/** At most this many verbose inspects in flight, so a cluster with many networks does not flood the engine. */
const VERBOSE_CONCURRENCY = 8;

export async function fetchRawCluster(engine: EngineReader, signal?: AbortSignal): Promise<RawCluster> {
  const info = await engine.info(signal);
  const state = swarmState(info);
  const where = readerName(engine);
  if (state === 'locked') {
    throw new EngineError('not-swarm', `The swarm at ${where} is locked: run "docker swarm unlock" on that node.`, `LocalNodeState=${state}`);
  }
  if (state !== 'active') throw notSwarmError(where, `LocalNodeState=${state}`);
  if (!bool(info, 'Swarm', 'ControlAvailable')) {
    throw new EngineError('not-manager', `${where} is a swarm worker: connect to a manager node (its Docker context or DOCKER_HOST) to see the services.`, 'ControlAvailable=false');
  }
  // The verbose inspects start as soon as the network list is in, while the big lists still stream.
  const networksRead = engine.networks(signal);
  const verboseRead = networksRead.then((networks) => readVerboseNetworks(engine, networks, signal));
  const [services, tasks, nodes, networks, verboseNetworks] = await Promise.all([engine.services(signal), engine.tasks(signal), engine.nodes(signal), networksRead, verboseRead]);
  return { info, services, tasks, nodes, networks, verboseNetworks };
}

async function readVerboseNetworks(engine: EngineReader, networks: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const swarmNetworkIds = arr(networks)
    .filter((n) => str(n, 'Scope') === 'swarm')
    .map((n) => str(n, 'Id'))
    .filter((id): id is string => !!id);
  const verboseNetworks: Record<string, unknown> = {};
  await forEachLimited(swarmNetworkIds, VERBOSE_CONCURRENCY, async (id) => {
    try {
      verboseNetworks[id] = await engine.networkVerbose(id, signal);
    } catch (err) {
      // A network removed between the list and the inspect is not an error for the whole refresh.
      if (err instanceof EngineError && (err.kind === 'cancelled' || err.kind === 'timeout')) throw err;
      verboseNetworks[id] = undefined;
    }
  });
  return verboseNetworks;
}

/** Runs `run` over `items`, at most `limit` at a time. */
export async function forEachLimited<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]);
  });
  await Promise.all(workers);
}
