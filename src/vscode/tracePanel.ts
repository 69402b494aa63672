// The trace panel's host side: one panel per traced target (a service, a published port, a
// container), and routing of the page's messages to the handlers the caller passes. The page,
// handshake, progress, refresh and restore are webviewPanel.ts's, shared with the check panel.
import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { traceToMarkdown } from '../core/trace/text';
import type { Trace } from '../core/trace/types';
import type { ProbeReport } from '../core/traffic/types';
import { type HostMessage, panelTitle, type RevealKind, TRACE_VIEW_TYPE, traceKey } from '../webview/protocol';
import { errorText, type PanelRequest, panelOptions, registerPanelSerializer, themeKind, WebviewPanelHost } from './webviewPanel';

export { TRACE_VIEW_TYPE } from '../webview/protocol';

type MaybePromise = void | Thenable<void>;

/** What the panel's buttons and links do. Every one is optional; see DEFAULT_HANDLERS. */
export interface TracePanelHandlers {
  /** Runs the same trace again; the panel shows progress meanwhile and the error if it throws. */
  refresh?(current: Trace, token: vscode.CancellationToken): Promise<Trace>;
  /** Reveals a task (by id) or a service (by id, or by name when the trace only has the name). */
  reveal?(kind: RevealKind, id: string): MaybePromise;
  openContainer?(containerId: string, trace: Trace): MaybePromise;
  /** Opens `trace.raw[index]` (index checked) as a read-only document. */
  openRaw?(trace: Trace, index: number): MaybePromise;
  exportMarkdown?(trace: Trace): MaybePromise;
  saveSnapshot?(trace: Trace): MaybePromise;
  copy?(text: string): MaybePromise;
  /** Probe Load Distribution of the traced service from its source; the panel's form said what it sends. */
  probe?(trace: Trace, request: ProbeRequest, token: vscode.CancellationToken): Promise<ProbeReport | undefined>;
  /** The port the probe form offers for this trace (the service's first TCP target port). */
  probePort?(trace: Trace): number | undefined;
}

export interface ProbeRequest {
  count: number;
  port: number;
  http: boolean;
}

const RAW_SCHEME = 'swarm-lens-raw';

/** Raw outputs opened from panels: a read-only content provider serves them by id. */
class RawDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private next = 1;

  uri(title: string, text: string): vscode.Uri {
    const id = String(this.next++);
    this.texts.set(id, text);
    // Keep memory bounded: the oldest outputs go first (their documents say so if reopened).
    if (this.texts.size > 100) this.texts.delete(this.texts.keys().next().value as string);
    const name = title.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'output';
    return vscode.Uri.from({ scheme: RAW_SCHEME, path: `/${name}.txt`, query: `id=${id}` });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const id = new URLSearchParams(uri.query).get('id') ?? '';
    return this.texts.get(id) ?? 'This raw output is no longer kept: open it again from the trace panel.\n';
  }
}

type Optional = 'refresh' | 'probe' | 'probePort';

function defaultHandlers(raw: RawDocuments): Required<Omit<TracePanelHandlers, Optional>> & Pick<TracePanelHandlers, Optional> {
  return {
    refresh: undefined,
    probe: undefined,
    probePort: undefined,
    async reveal(kind) {
      await vscode.window.showInformationMessage(`Revealing a ${kind} is not available here.`);
    },
    async openContainer() {
      await vscode.window.showInformationMessage('Opening a container is not available here.');
    },
    async openRaw(trace, index) {
      const r = trace.raw[index];
      const header = `$ ${r.command}\n`;
      const doc = await vscode.workspace.openTextDocument(raw.uri(r.title, header + r.text + (r.text.endsWith('\n') ? '' : '\n')));
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    },
    async exportMarkdown(trace) {
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: traceToMarkdown(trace) });
      await vscode.window.showTextDocument(doc, { preview: false });
    },
    async saveSnapshot(trace) {
      const name = (trace.service?.name ?? (trace.port ? `port-${trace.port.port}` : trace.source?.name ?? 'trace')).replace(/[^\w.-]+/g, '-');
      const base = vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({
        title: 'Save Trace',
        defaultUri: base ? vscode.Uri.joinPath(base, `trace-${name}.json`) : undefined,
        filters: { JSON: ['json'] },
      });
      if (!target) return;
      await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(trace, null, 2) + '\n', 'utf8'));
      vscode.window.setStatusBarMessage(`Saved ${vscode.workspace.asRelativePath(target)}`, 3000);
    },
    async copy(text) {
      await vscode.env.clipboard.writeText(text);
      vscode.window.setStatusBarMessage('Copied to the clipboard', 2000);
    },
  };
}

/**
 * The open trace panels (one per target), the read-only raw outputs they open, and the serializer
 * that restores them after a window reload. One instance, owned by activation; `handlers` are
 * the defaults of every panel (restored or shown). Needs the activation event
 * `onWebviewPanel:swarmLens.trace` for panels restored before activation.
 */
export class TracePanels extends Disposable {
  private readonly panels = new Map<string, TracePanel>();
  private readonly raw = new RawDocuments();

  constructor(private readonly extensionUri: vscode.Uri, private readonly handlers: TracePanelHandlers = {}) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(RAW_SCHEME, this.raw));
    this.register(registerPanelSerializer(TRACE_VIEW_TYPE, extensionUri, (state) => state.trace, (panel, trace) => this.revive(panel, trace)));
  }

  /**
   * Shows `trace` in its panel: the one already open for the same target (updated and revealed),
   * or a new one. `handlers` override the defaults given to the constructor.
   */
  show(trace: Trace, handlers: TracePanelHandlers = {}, column: vscode.ViewColumn = vscode.ViewColumn.Active): TracePanel {
    const existing = this.panels.get(traceKey(trace));
    if (existing) {
      existing.setHandlers(handlers);
      existing.update(trace);
      existing.panel.reveal(column);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TRACE_VIEW_TYPE, panelTitle(trace), column, panelOptions(this.extensionUri));
    return this.open(panel, trace, handlers);
  }

  /** Takes over a panel VS Code restored after a reload. */
  private revive(panel: vscode.WebviewPanel, trace: Trace): TracePanel {
    this.panels.get(traceKey(trace))?.dispose();
    return this.open(panel, trace, {});
  }

  private open(panel: vscode.WebviewPanel, trace: Trace, handlers: TracePanelHandlers): TracePanel {
    return new TracePanel(this.extensionUri, panel, trace, { ...defaultHandlers(this.raw), ...this.handlers, ...handlers }, this);
  }

  /** The panel shows the target `key` now (a new panel, or its trace changed target). */
  track(key: string, panel: TracePanel): void {
    this.panels.set(key, panel);
  }

  untrack(key: string, panel: TracePanel): void {
    if (this.panels.get(key) === panel) this.panels.delete(key);
  }
}

export class TracePanel extends WebviewPanelHost {
  private key: string;
  private probing: { cts: vscode.CancellationTokenSource; text: string } | undefined;
  /** The last probe report, for a fresh page (a palette probe opens a new panel). */
  private probeReport: ProbeReport | undefined;

  constructor(
    extensionUri: vscode.Uri,
    panel: vscode.WebviewPanel,
    private current: Trace,
    private readonly handlers: ReturnType<typeof defaultHandlers>,
    private readonly registry: Pick<TracePanels, 'track' | 'untrack'>,
  ) {
    super(extensionUri, panel);
    this.key = traceKey(current);
    registry.track(this.key, this);
    panel.title = panelTitle(current);
  }

  /** The trace on screen. */
  get trace(): Trace {
    return this.current;
  }

  /** Shows a new trace (a refresh's result, or a new trace of the same target). */
  update(trace: Trace): void {
    if (this.isDisposed) return;
    this.current = trace;
    this.panel.title = panelTitle(trace);
    const key = traceKey(trace);
    if (key !== this.key) {
      this.registry.untrack(this.key, this);
      this.key = key;
      this.registry.track(key, this);
    }
    this.redraw();
  }

  protected content(): HostMessage {
    return { type: 'trace', trace: this.current, theme: themeKind(), probePort: this.handlers.probePort?.(this.current) };
  }

  protected override replay(): HostMessage[] {
    if (this.probing) return [{ type: 'probing', text: this.probing.text }];
    return this.probeReport ? [{ type: 'probeReport', report: this.probeReport }] : [];
  }

  /** Shows a probe's report in the Traffic section. */
  showProbe(report: ProbeReport): void {
    this.probeReport = report;
    this.post({ type: 'probeReport', report });
  }

  /** Runs handlers.probe with the section's progress and Cancel; one probe at a time. */
  async probe(request: ProbeRequest): Promise<void> {
    const run = this.handlers.probe;
    if (!run || this.probing) return;
    const trace = this.current;
    const cts = new vscode.CancellationTokenSource();
    const text = `Sending ${request.count} connections to ${trace.service?.name ?? '?'} on port ${request.port}…`;
    this.probing = { cts, text };
    this.post({ type: 'probing', text });
    try {
      const report = await run(trace, request, cts.token);
      if (cts.token.isCancellationRequested || !report) this.post({ type: 'probeError', message: 'Probe cancelled: the helper is removed, and no more connections are made.' });
      else this.showProbe(report);
    } catch (err) {
      this.post({ type: 'probeError', message: errorText(err) });
    } finally {
      cts.dispose();
      this.probing = undefined;
    }
  }

  /** Runs handlers.refresh and shows its result; a second call while one runs is ignored. */
  async refresh(): Promise<void> {
    const run = this.handlers.refresh;
    if (!run) {
      this.showError('This trace cannot be run again from here: start it again from the Swarm view.');
      return;
    }
    return this.refreshWith(`Tracing ${panelTitle(this.current).replace(/^\w+: /, '')} again…`, (token) => run(this.current, token), (next) => this.update(next));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.probing?.cts.cancel();
    super.dispose();
    this.registry.untrack(this.key, this);
  }

  /** Handlers for this panel only, over the ones it has. */
  setHandlers(handlers: TracePanelHandlers): void {
    Object.assign(this.handlers, handlers);
  }

  protected async act(m: PanelRequest): Promise<void> {
    const h = this.handlers;
    const trace = this.current;
    switch (m.type) {
      case 'refresh':
        return this.refresh();
      case 'exportMarkdown':
        return h.exportMarkdown(trace);
      case 'saveSnapshot':
        return h.saveSnapshot(trace);
      case 'reveal':
        return h.reveal(m.kind, m.id);
      case 'openContainer':
        return h.openContainer(m.containerId, trace);
      case 'openRaw':
        if (m.index < trace.raw.length) return h.openRaw(trace, m.index);
        return;
      case 'copy':
        return h.copy(m.text);
      case 'probe':
        return this.probe(m);
      case 'cancelProbe':
        this.probing?.cts.cancel();
        return;
    }
  }
}
