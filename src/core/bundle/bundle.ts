// A bundle (a "snapshot file" to users): the Engine API answers of one refresh plus the raw sandbox dumps of every node
// that could be reached. `swarm-lens collect` writes it; the extension and `swarm-lens trace
// --snapshot` read it to work offline (a bug report, a demo, a machine without access).
import type { RawCluster } from '../cluster/state';
import { obj, str } from '../cluster/read';
import type { ProbeOutput } from '../netns/script';

export const BUNDLE_FORMAT = 'swarm-lens-snapshot';
export const BUNDLE_VERSION = 1;

export interface NodeDump {
  node: string;
  /** The node's netns folder (dirname of a SandboxKey). */
  netnsDir: string;
  probe: 'host' | 'helper';
  /** container id -> its SandboxKey, for the containers whose sandboxes were read. */
  sandboxKeys: Record<string, string>;
  output: ProbeOutput;
  /** This node's own verbose network inspects (its marks, its NetworkDB view); absent in older files. */
  verboseNetworks?: Record<string, unknown>;
}

export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  takenAt: string;
  /** A name for people: the cluster id or what the collector was told. */
  cluster: string;
  /** The engine address the API answers came from. */
  engine: string;
  raw: RawCluster;
  nodes: NodeDump[];
}

export class BundleError extends Error {}

/** Reads a bundle's text; one sentence on anything that is not one. */
export function parseBundle(text: string): Bundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BundleError('This file is not a Swarm Lens snapshot (it is not JSON): save one with "swarm-lens collect -o FILE" or "Swarm: Save Snapshot...".');
  }
  if (str(value, 'format') !== BUNDLE_FORMAT) throw new BundleError('This JSON file is not a Swarm Lens snapshot (no "format": "swarm-lens-snapshot").');
  const version = (value as { version?: unknown }).version;
  if (version !== BUNDLE_VERSION) throw new BundleError(`This snapshot has format version ${String(version)}; this Swarm Lens reads version ${BUNDLE_VERSION}: update Swarm Lens.`);
  if (!obj((value as Bundle).raw)) throw new BundleError('This snapshot has no cluster data ("raw" is missing).');
  const bundle = value as Bundle;
  if (!Array.isArray(bundle.nodes)) bundle.nodes = [];
  return bundle;
}
