import * as vscode from 'vscode';
import type { ClusterModel } from './clusterModel';
import { engineStatusTooltip, errorStatusTooltip, offlineStatusTooltip } from './tooltips';
import { labelText } from './markdown';
import { md } from './ui';
import { Disposable } from './lifecycle';

/** The one status bar item: which engine, which node answered, its role. */
export class SwarmStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem('swarmLens.status', vscode.StatusBarAlignment.Left, 10));

  constructor(private readonly model: ClusterModel) {
    super();
    this.item.name = 'Swarm Lens';
    this.item.command = 'swarmLens.selectContext';
    this.register(model.onDidChange(() => this.update()));
    this.update();
  }

  private update(): void {
    const state = this.model.state;
    const context = this.model.offline ? 'snapshot' : (this.model.endpoint?.context ?? 'default');
    // Context names, node names and snapshot fields go into the text with their `$(` escaped.
    const label = labelText(context);
    if (state.kind === 'idle') {
      this.item.hide();
      return;
    }
    if (state.kind === 'error') {
      this.item.text = `$(warning) Swarm: ${label}`;
      this.item.tooltip = md(errorStatusTooltip(state.error.message));
    } else if (this.model.offline && this.model.cluster) {
      const offline = this.model.offline;
      this.item.text = `$(archive) snapshot of ${labelText(offline.cluster)}`;
      this.item.tooltip = md(offlineStatusTooltip(offline));
    } else if (this.model.cluster) {
      const e = this.model.cluster.state.engine;
      this.item.text = `${state.kind === 'loading' ? '$(sync~spin)' : '$(server-environment)'} ${label} · ${labelText(e.nodeName)} · ${labelText(e.role)}`;
      this.item.tooltip = md(engineStatusTooltip(context, this.model.endpoint, e, this.model.apiVersion));
    } else {
      this.item.text = `$(sync~spin) Swarm: ${label}`;
      this.item.tooltip = 'Swarm Lens is reading the cluster…';
    }
    this.item.show();
  }
}
