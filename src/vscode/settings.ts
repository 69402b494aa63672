import * as vscode from 'vscode';

export interface Settings {
  dockerHost: string;
  dockerContext: string;
  timeoutMs: number;
  pollSeconds: number;
  refreshOnEvents: boolean;
  hoverEnabled: boolean;
  helperImage: string;
  probe: 'auto' | 'host' | 'helper';
  /** Node hostname or ID -> its own Docker address. */
  nodes: Record<string, unknown>;
  /** Read nodes reached no other way through a short-lived swarm job (off by default). */
  swarmJob: boolean;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('swarmLens');
  return {
    dockerHost: c.get<string>('docker.host', ''),
    dockerContext: c.get<string>('docker.context', ''),
    timeoutMs: Math.max(1, c.get<number>('docker.timeoutSeconds', 15)) * 1000,
    pollSeconds: Math.max(0, c.get<number>('refresh.pollSeconds', 30)),
    refreshOnEvents: c.get<boolean>('refresh.onEvents', true),
    hoverEnabled: c.get<boolean>('hover.enabled', true),
    helperImage: c.get<string>('trace.helperImage', 'nicolaka/netshoot') || 'nicolaka/netshoot',
    probe: c.get<'auto' | 'host' | 'helper'>('trace.probe', 'auto'),
    // A hand-edited settings.json may hold anything here: only an object of strings is read.
    swarmJob: c.get<boolean>('trace.swarmJob', false) === true,
    nodes: ((v) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}))(c.get<unknown>('nodes', {})),
  };
}

export async function setDockerContext(name: string | undefined): Promise<void> {
  // Machine scope: the choice follows the user, a workspace cannot redirect it.
  await vscode.workspace.getConfiguration('swarmLens').update('docker.context', name ?? undefined, vscode.ConfigurationTarget.Global);
}

/** Maps a node to a docker address or context name in swarmLens.nodes (machine scope, like the engine). */
export async function setNodeReach(node: string, value: string): Promise<void> {
  const c = vscode.workspace.getConfiguration('swarmLens');
  const current = readSettings().nodes;
  await c.update('nodes', { ...current, [node]: value }, vscode.ConfigurationTarget.Global);
}
