// Raw inspect JSON opens as a read-only document (a content provider's documents cannot be
// edited), not in a webview: people search, fold and copy it like any file.
import * as vscode from 'vscode';
import { withAbort } from './cancellation';
import type { ClusterModel } from './clusterModel';

export const INSPECT_SCHEME = 'swarm-lens';

export class InspectDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly model: ClusterModel) {}

  async open(kind: 'service' | 'task' | 'container', id: string, name: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${kind}/${name}.json`, query: new URLSearchParams({ kind, id }).toString() });
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const query = new URLSearchParams(uri.query);
    const id = query.get('id') ?? '';
    const engine = this.model.reader();
    const kind = query.get('kind');
    return withAbort([token], async (signal) => {
      const json = kind === 'task' ? await engine.task(id, signal) : kind === 'container' ? await engine.container(id, signal) : await engine.service(id, signal);
      return JSON.stringify(json, null, 2) + '\n';
    });
  }
}
