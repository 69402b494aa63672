import { fixture } from '../fixtures';
import type { RawCluster } from '../../src/core/cluster/state';

/** The answers of one refresh recorded from a real engine (scripts/capture-engine-fixtures.mjs). */
export function recordedCluster(name = 'docker-20.10-single-node'): RawCluster {
  const read = (file: string) => JSON.parse(fixture(`engine/${name}/${file}`));
  return {
    info: read('info.json'),
    version: read('version.json'),
    services: read('services.json'),
    tasks: read('tasks.json'),
    nodes: read('nodes.json'),
    networks: read('networks.json'),
    verboseNetworks: read('networks-verbose.json'),
  };
}
