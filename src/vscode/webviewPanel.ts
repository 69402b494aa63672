// What every Swarm Lens panel does on the host side, whatever it shows (a trace, the check's
// matrix): the page with a strict CSP and a fresh nonce, the ready handshake (nothing is posted
// before `ready`, and a fresh page gets the whole picture again), progress and errors that survive
// a hidden panel, a refresh that runs once at a time, routing of the page's messages, restore
// after a window reload, and dispose. No retainContextWhenHidden: a hidden panel's page is dropped
// and restores itself from its state; a window reload goes through the serializer.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { isPanelState, isWebviewMessage, type HostMessage, type PanelState, type ThemeKind, type WebviewMessage } from '../webview/protocol';
import { Disposable } from './lifecycle';

/** A message from the page that asks for something (every one but `ready`). */
export type PanelRequest = Exclude<WebviewMessage, { type: 'ready' }>;

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

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Restores panels of `viewType` after a window reload from the state their page saved: `content`
 * picks what the state holds for this kind of panel (undefined: a state from another version, or
 * none, and the panel is closed), `revive` takes the panel over.
 */
export function registerPanelSerializer<T>(viewType: string, extensionUri: vscode.Uri, content: (state: PanelState) => T | undefined, revive: (panel: vscode.WebviewPanel, content: T) => void): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(viewType, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      const shown = isPanelState(state) ? content(state) : undefined;
      if (shown === undefined) {
        // Nothing worth showing.
        panel.dispose();
        return;
      }
      panel.webview.options = panelOptions(extensionUri);
      revive(panel, shown);
    },
  });
}

/** One open panel: the page, its handshake and messages, progress, errors and refresh. */
export abstract class WebviewPanelHost extends Disposable {
  private ready = false;
  private loading: string | undefined;
  private error: string | undefined;
  private refreshing: vscode.CancellationTokenSource | undefined;

  constructor(extensionUri: vscode.Uri, readonly panel: vscode.WebviewPanel) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'swarm.svg');
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register(panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)));
    // A hidden panel loses its page: wait for the next `ready` before posting again.
    this.register(
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
    panel.webview.html = pageHtml(panel.webview, extensionUri);
  }

  /** The message that draws what the panel shows; posted again to every fresh page. */
  protected abstract content(): HostMessage;

  /** What else a fresh page needs after content(), loading and error (work still running, a result). */
  protected replay(): HostMessage[] {
    return [];
  }

  /** Does what the page asked (a button, a link). A rejection is shown as an error message. */
  protected abstract act(m: PanelRequest): Thenable<unknown> | void;

  /** Posts to the page once it said `ready`; dropped before that (the page gets the whole picture then). */
  post(msg: HostMessage): void {
    if (!this.ready || this.isDisposed) return;
    void this.panel.webview.postMessage(msg);
  }

  /** Draws content() again, without progress or error. */
  protected redraw(): void {
    this.loading = undefined;
    this.error = undefined;
    this.post(this.content());
  }

  /** Dims what is on screen under a progress bar and this title. */
  setLoading(title: string): void {
    this.loading = title;
    this.error = undefined;
    this.post({ type: 'loading', title });
  }

  /** Shows an error above what is on screen (which stays). */
  showError(message: string): void {
    this.loading = undefined;
    this.error = message;
    this.post({ type: 'error', message });
  }

  /**
   * Runs `work` under a progress bar titled `title` and hands its result to `apply`; its error is
   * shown instead. A second call while one runs is ignored; closing the panel cancels the token.
   */
  protected async refreshWith<T>(title: string, work: (token: vscode.CancellationToken) => Promise<T>, apply: (result: T) => void): Promise<void> {
    if (this.refreshing) return;
    const cts = (this.refreshing = new vscode.CancellationTokenSource());
    this.setLoading(title);
    try {
      const result = await work(cts.token);
      if (!cts.token.isCancellationRequested) apply(result);
    } catch (err) {
      if (!cts.token.isCancellationRequested) this.showError(errorText(err));
    } finally {
      cts.dispose();
      if (this.refreshing === cts) this.refreshing = undefined;
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.refreshing?.cancel();
    this.panel.dispose();
  }

  private receive(m: unknown): void {
    if (!isWebviewMessage(m)) return;
    if (m.type === 'ready') {
      this.ready = true;
      this.post(this.content());
      if (this.loading) this.post({ type: 'loading', title: this.loading });
      if (this.error) this.post({ type: 'error', message: this.error });
      for (const msg of this.replay()) this.post(msg);
      return;
    }
    void Promise.resolve(this.act(m)).catch((err: unknown) => vscode.window.showErrorMessage(errorText(err)));
  }
}
