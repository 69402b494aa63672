// The trace panel's host side: one WebviewPanel per traced target (a service, a published port, a
// container), a strict CSP with a fresh nonce, the ready handshake, and routing of the webview's
// messages to the handlers the caller passes. No retainContextWhenHidden: a hidden panel's page
// is dropped and restores itself from its state; a window reload goes through the serializer.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { traceToMarkdown } from '../core/trace/text';
import type { Trace } from '../core/trace/types';
import type { ProbeReport } from '../core/traffic/types';
import { type HostMessage, isPanelState, isWebviewMessage, panelTitle, type RevealKind, type ThemeKind, TRACE_VIEW_TYPE, traceKey, type WebviewMessage } from '../webview/protocol';

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

let rawDocuments: RawDocuments | undefined;

function raw(context: vscode.ExtensionContext): RawDocuments {
  if (!rawDocuments) {
    const provider = new RawDocuments();
    context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(RAW_SCHEME, provider), { dispose: () => (rawDocuments = undefined) });
    rawDocuments = provider;
  }
  return rawDocuments;
}

function defaultHandlers(context: vscode.ExtensionContext): Required<Omit<TracePanelHandlers, 'refresh' | 'probe' | 'probePort'>> & Pick<TracePanelHandlers, 'refresh' | 'probe' | 'probePort'> {
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
      const doc = await vscode.workspace.openTextDocument(raw(context).uri(r.title, header + r.text + (r.text.endsWith('\n') ? '' : '\n')));
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

export function themeKind(): ThemeKind {
  switch (vscode.window.activeColorTheme.kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}

function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

/** Scripts on, and nothing loaded but the panel's own bundle. */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
}

/** The panel's page: nothing from the cluster in it (the trace arrives by message). */
export function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css'));
  const csp = [`default-src 'none'`, `script-src 'nonce-${n}'`, `style-src ${webview.cspSource} 'nonce-${n}'`, `img-src ${webview.cspSource} data:`, `font-src ${webview.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}" nonce="${n}">
<title>Swarm Lens trace</title>
</head>
<body>
<div id="app"></div>
<script type="module" nonce="${n}" src="${script}"></script>
</body>
</html>`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class TracePanel implements vscode.Disposable {
  private static readonly panels = new Map<string, TracePanel>();
  /** Handlers given to registerTracePanelSerializer: the defaults of every panel. */
  private static registered: TracePanelHandlers = {};

  private readonly disposables: vscode.Disposable[] = [];
  private readonly handlers: ReturnType<typeof defaultHandlers>;
  private key: string;
  private ready = false;
  private loading: string | undefined;
  private error: string | undefined;
  private refreshing: vscode.CancellationTokenSource | undefined;
  private probing: { cts: vscode.CancellationTokenSource; text: string } | undefined;
  /** A probe report to show once the page is ready (a palette probe opens a new panel). */
  private probeReport: ProbeReport | undefined;
  private disposed = false;

  /**
   * Shows `trace` in its panel: the one already open for the same target (updated and revealed),
   * or a new one. `handlers` override those given to registerTracePanelSerializer.
   */
  static show(context: vscode.ExtensionContext, trace: Trace, handlers: TracePanelHandlers = {}, column: vscode.ViewColumn = vscode.ViewColumn.Active): TracePanel {
    const existing = TracePanel.panels.get(traceKey(trace));
    if (existing) {
      existing.setHandlers(handlers);
      existing.update(trace);
      existing.panel.reveal(column);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TRACE_VIEW_TYPE, panelTitle(trace), column, TracePanel.options(context.extensionUri));
    return new TracePanel(context, panel, trace, handlers);
  }

  /** Takes over a panel VS Code restored after a reload (see registerTracePanelSerializer). */
  static revive(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, trace: Trace, handlers: TracePanelHandlers = {}): TracePanel {
    TracePanel.panels.get(traceKey(trace))?.dispose();
    panel.webview.options = TracePanel.options(context.extensionUri);
    return new TracePanel(context, panel, trace, handlers);
  }

  static setDefaultHandlers(handlers: TracePanelHandlers): void {
    TracePanel.registered = handlers;
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return panelOptions(extensionUri);
  }

  private constructor(
    context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    private current: Trace,
    handlers: TracePanelHandlers,
  ) {
    this.handlers = { ...defaultHandlers(context), ...TracePanel.registered, ...handlers };
    this.key = traceKey(current);
    TracePanel.panels.set(this.key, this);
    panel.title = panelTitle(current);
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

  /** The trace on screen. */
  get trace(): Trace {
    return this.current;
  }

  /** Shows a new trace (a refresh's result, or a new trace of the same target). */
  update(trace: Trace): void {
    if (this.disposed) return;
    this.current = trace;
    this.loading = undefined;
    this.error = undefined;
    this.panel.title = panelTitle(trace);
    const key = traceKey(trace);
    if (key !== this.key) {
      if (TracePanel.panels.get(this.key) === this) TracePanel.panels.delete(this.key);
      this.key = key;
      TracePanel.panels.set(key, this);
    }
    this.postTrace();
  }

  private postTrace(): void {
    this.post({ type: 'trace', trace: this.current, theme: themeKind(), probePort: this.handlers.probePort?.(this.current) });
  }

  /** Shows a probe's report in the Traffic section (a probe run from the palette). */
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
      if (cts.token.isCancellationRequested || !report) this.post({ type: 'probeError', message: 'Probe cancelled: the connections already made were closed, the helper removed.' });
      else this.showProbe(report);
    } catch (err) {
      this.post({ type: 'probeError', message: errorText(err) });
    } finally {
      cts.dispose();
      this.probing = undefined;
    }
  }

  /** Dims the trace on screen under a progress bar and this title. */
  setLoading(title: string): void {
    this.loading = title;
    this.error = undefined;
    this.post({ type: 'loading', title });
  }

  /** Shows an error above the trace on screen (which stays). */
  showError(message: string): void {
    this.loading = undefined;
    this.error = message;
    this.post({ type: 'error', message });
  }

  /** Runs handlers.refresh and shows its result; a second call while one runs is ignored. */
  async refresh(): Promise<void> {
    const run = this.handlers.refresh;
    if (!run) {
      this.showError('This trace cannot be run again from here: start it again from the Swarm view.');
      return;
    }
    if (this.refreshing) return;
    const cts = (this.refreshing = new vscode.CancellationTokenSource());
    this.setLoading(`Tracing ${panelTitle(this.current).replace(/^\w+: /, '')} again…`);
    try {
      const next = await run(this.current, cts.token);
      if (!cts.token.isCancellationRequested) this.update(next);
    } catch (err) {
      if (!cts.token.isCancellationRequested) this.showError(errorText(err));
    } finally {
      cts.dispose();
      if (this.refreshing === cts) this.refreshing = undefined;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.refreshing?.cancel();
    this.probing?.cts.cancel();
    if (TracePanel.panels.get(this.key) === this) TracePanel.panels.delete(this.key);
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }

  private setHandlers(handlers: TracePanelHandlers): void {
    Object.assign(this.handlers, handlers);
  }

  private post(msg: HostMessage): void {
    if (!this.ready || this.disposed) return;
    void this.panel.webview.postMessage(msg);
  }

  /** After `ready`: the whole picture again (the page may be a fresh one). */
  private pushAll(): void {
    this.postTrace();
    if (this.probing) this.post({ type: 'probing', text: this.probing.text });
    else if (this.probeReport) this.post({ type: 'probeReport', report: this.probeReport });
    if (this.loading) this.post({ type: 'loading', title: this.loading });
    if (this.error) this.post({ type: 'error', message: this.error });
  }

  private receive(m: unknown): void {
    if (!isWebviewMessage(m)) return;
    if (m.type === 'ready') {
      this.ready = true;
      this.pushAll();
      return;
    }
    void this.act(m).catch((err) => vscode.window.showErrorMessage(errorText(err)));
  }

  private async act(m: Exclude<WebviewMessage, { type: 'ready' }>): Promise<void> {
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

/**
 * Restores trace panels after a window reload from the trace their page saved. Register once in
 * activate(); `handlers` become the defaults of every panel (restored or shown). Needs the
 * activation event `onWebviewPanel:swarmLens.trace` for panels restored before activation.
 */
export function registerTracePanelSerializer(context: vscode.ExtensionContext, handlers: TracePanelHandlers = {}): vscode.Disposable {
  TracePanel.setDefaultHandlers(handlers);
  const registration = vscode.window.registerWebviewPanelSerializer(TRACE_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      if (!isPanelState(state) || !state.trace) {
        // A state from another version, or none: nothing worth showing.
        panel.dispose();
        return;
      }
      TracePanel.revive(context, panel, state.trace);
    },
  });
  context.subscriptions.push(registration);
  return registration;
}
