// The check panel's host side: one panel for the nodes × services matrix. The same page and
// protocol as the trace panel (pageHtml, ../webview/protocol.ts), its own view type, so a window
// reload restores it from the report its page saved.
import * as vscode from 'vscode';
import type { CheckReport } from '../core/check/types';
import { CHECK_VIEW_TYPE, isPanelState, isWebviewMessage, type HostMessage, type WebviewMessage } from '../webview/protocol';
import { pageHtml, panelOptions, themeKind } from './tracePanel';

export interface CheckPanelHandlers {
  /** Checks again (same services); the panel shows progress meanwhile and the error if it throws. */
  refresh(current: CheckReport, token: vscode.CancellationToken): Promise<CheckReport | undefined>;
  traceOn(service: string, node: string): Thenable<unknown> | void;
  reachNode(node: string): Thenable<unknown> | void;
}

const TITLE = 'Check Load Balancing';

export class CheckPanel implements vscode.Disposable {
  private static current: CheckPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private loading: string | undefined;
  private error: string | undefined;
  private refreshing: vscode.CancellationTokenSource | undefined;

  /** Shows a report in the check panel (reused when open). */
  static show(context: vscode.ExtensionContext, report: CheckReport, handlers: CheckPanelHandlers): CheckPanel {
    if (CheckPanel.current) {
      CheckPanel.current.update(report);
      CheckPanel.current.panel.reveal();
      return CheckPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(CHECK_VIEW_TYPE, TITLE, vscode.ViewColumn.Active, panelOptions(context.extensionUri));
    return new CheckPanel(context, panel, report, handlers);
  }

  /** Restores the panel after a window reload from the report its page saved. */
  static register(context: vscode.ExtensionContext, handlers: CheckPanelHandlers): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(CHECK_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state: unknown) {
        if (!isPanelState(state) || !state.report) return panel.dispose();
        CheckPanel.current?.dispose();
        panel.webview.options = panelOptions(context.extensionUri);
        new CheckPanel(context, panel, state.report, handlers);
      },
    });
  }

  private constructor(context: vscode.ExtensionContext, readonly panel: vscode.WebviewPanel, private report: CheckReport, private readonly handlers: CheckPanelHandlers) {
    CheckPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'swarm.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      // A hidden panel loses its page: wait for the next `ready` before posting again.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
    panel.webview.html = pageHtml(panel.webview, context.extensionUri);
  }

  update(report: CheckReport): void {
    this.report = report;
    this.loading = undefined;
    this.error = undefined;
    this.post({ type: 'check', report, theme: themeKind() });
  }

  private post(msg: HostMessage): void {
    if (this.ready) void this.panel.webview.postMessage(msg);
  }

  private receive(m: unknown): void {
    if (!isWebviewMessage(m)) return;
    if (m.type === 'ready') {
      this.ready = true;
      this.post({ type: 'check', report: this.report, theme: themeKind() });
      if (this.loading) this.post({ type: 'loading', title: this.loading });
      if (this.error) this.post({ type: 'error', message: this.error });
      return;
    }
    void Promise.resolve(this.act(m)).catch((err: unknown) => vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err)));
  }

  private act(m: Exclude<WebviewMessage, { type: 'ready' }>): Thenable<unknown> | void {
    switch (m.type) {
      case 'refresh':
        return this.refresh();
      case 'traceOn':
        return this.handlers.traceOn(m.service, m.node);
      case 'reachNode':
        return this.handlers.reachNode(m.node);
      case 'copy':
        return vscode.env.clipboard.writeText(m.text).then(() => vscode.window.setStatusBarMessage('Copied the check report as JSON', 2000));
    }
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    const cts = (this.refreshing = new vscode.CancellationTokenSource());
    this.loading = 'Checking every node again…';
    this.post({ type: 'loading', title: this.loading });
    try {
      const next = await this.handlers.refresh(this.report, cts.token);
      // Cancelled: the report on screen stays, without the progress bar.
      this.update(next ?? this.report);
    } catch (err) {
      this.loading = undefined;
      this.error = err instanceof Error ? err.message : String(err);
      this.post({ type: 'error', message: this.error });
    } finally {
      cts.dispose();
      this.refreshing = undefined;
    }
  }

  dispose(): void {
    if (CheckPanel.current === this) CheckPanel.current = undefined;
    this.refreshing?.cancel();
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
