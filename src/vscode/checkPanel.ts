// The check panel's host side: one panel for the nodes × services matrix. The same page, protocol
// and lifecycle as the trace panel (webviewPanel.ts, ../webview/protocol.ts), its own view type, so
// a window reload restores it from the report its page saved.
import * as vscode from 'vscode';
import type { CheckReport } from '../core/check/types';
import { CHECK_VIEW_TYPE, type HostMessage } from '../webview/protocol';
import { Disposable } from './lifecycle';
import { type PanelRequest, panelOptions, registerPanelSerializer, themeKind, WebviewPanelHost } from './webviewPanel';

export interface CheckPanelHandlers {
  /** Checks again (same services); the panel shows progress meanwhile and the error if it throws. */
  refresh(current: CheckReport, token: vscode.CancellationToken): Promise<CheckReport | undefined>;
  traceOn(service: string, node: string): Thenable<unknown> | void;
  reachNode(node: string): Thenable<unknown> | void;
}

const TITLE = 'Check Load Balancing';

/** The one check panel (reused while open) and its serializer; owned by whoever registers the check commands. */
export class CheckPanels extends Disposable {
  private current: CheckPanel | undefined;

  constructor(private readonly extensionUri: vscode.Uri, private readonly handlers: CheckPanelHandlers) {
    super();
    this.register(
      registerPanelSerializer(CHECK_VIEW_TYPE, extensionUri, (state) => state.report, (panel, report) => {
        this.current?.dispose();
        this.open(panel, report);
      }),
    );
  }

  /** Shows a report in the check panel (reused when open). */
  show(report: CheckReport): CheckPanel {
    if (this.current) {
      this.current.update(report);
      this.current.panel.reveal();
      return this.current;
    }
    return this.open(vscode.window.createWebviewPanel(CHECK_VIEW_TYPE, TITLE, vscode.ViewColumn.Active, panelOptions(this.extensionUri)), report);
  }

  private open(panel: vscode.WebviewPanel, report: CheckReport): CheckPanel {
    const opened = new CheckPanel(this.extensionUri, panel, report, this.handlers, () => {
      if (this.current === opened) this.current = undefined;
    });
    this.current = opened;
    return opened;
  }
}

export class CheckPanel extends WebviewPanelHost {
  constructor(extensionUri: vscode.Uri, panel: vscode.WebviewPanel, private report: CheckReport, private readonly handlers: CheckPanelHandlers, private readonly closed: () => void) {
    super(extensionUri, panel);
  }

  update(report: CheckReport): void {
    this.report = report;
    this.redraw();
  }

  protected content(): HostMessage {
    return { type: 'check', report: this.report, theme: themeKind() };
  }

  protected act(m: PanelRequest): Thenable<unknown> | void {
    switch (m.type) {
      case 'refresh':
        // Cancelled (undefined): the report on screen stays, without the progress bar.
        return this.refreshWith('Checking every node again…', (token) => this.handlers.refresh(this.report, token), (next) => this.update(next ?? this.report));
      case 'traceOn':
        return this.handlers.traceOn(m.service, m.node);
      case 'reachNode':
        return this.handlers.reachNode(m.node);
      case 'copy':
        return vscode.env.clipboard.writeText(m.text).then(() => vscode.window.setStatusBarMessage('Copied the check report as JSON', 2000));
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.closed();
  }
}
