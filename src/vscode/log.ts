import * as vscode from 'vscode';

/** The one output channel; errors shown to the user as a sentence are detailed here. */
export type Log = vscode.LogOutputChannel;

export function createLog(): Log {
  return vscode.window.createOutputChannel('Swarm Lens', { log: true });
}
