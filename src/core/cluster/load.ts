import type { EngineReader } from '../docker/engine';
import { Cluster } from './cluster';
import { fetchRawCluster } from './fetch';
import { buildClusterState } from './state';

/** Reads the whole cluster from an engine: the one entry point the UI and the CLI share. */
export async function loadCluster(engine: EngineReader, signal?: AbortSignal): Promise<Cluster> {
  return new Cluster(buildClusterState(await fetchRawCluster(engine, signal)));
}
