// Just enough of the `vscode` module to run the tree and hover code outside the workbench, so the
// benchmark measures our code and not the editor. Never used by tests of behaviour.
import Module from 'node:module';

class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  event = (listener: (e: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(e: T) {
    for (const l of this.listeners) l(e);
  }
  dispose() {
    this.listeners = [];
  }
}

class TreeItem {
  description?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  id?: string;
  constructor(public label: string, public collapsibleState?: number) {}
}

class MarkdownString {
  isTrusted?: unknown;
  supportHtml?: boolean;
  constructor(public value = '') {}
}

const disposable = { dispose() {} };
const vscodeShim = {
  EventEmitter,
  TreeItem,
  MarkdownString,
  ThemeIcon: class { constructor(public id: string, public color?: unknown) {} },
  ThemeColor: class { constructor(public id: string) {} },
  Range: class { constructor(...args: number[]) { void args; } },
  Hover: class { constructor(public contents: unknown, public range?: unknown) {} },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ProgressLocation: { Notification: 15, Window: 10 },
  Uri: { joinPath: (...parts: { fsPath?: string }[]) => ({ fsPath: parts.map((p) => (typeof p === 'string' ? p : p.fsPath)).join('/') }) },
  ConfigurationTarget: { Global: 1 },
  commands: { executeCommand: async () => undefined, registerCommand: () => disposable },
  window: {
    withProgress: async (_o: unknown, task: () => Promise<unknown>) => task(),
    createOutputChannel: () => ({ info() {}, warn() {}, error() {}, debug() {}, show() {}, dispose() {} }),
    createTreeView: () => ({ visible: false, onDidChangeVisibility: () => disposable, dispose() {}, message: undefined }),
    createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
    registerWebviewPanelSerializer: () => disposable,
    showErrorMessage: async () => undefined,
  },
  workspace: {
    getConfiguration: () => ({ get: (_k: string, d: unknown) => d, update: async () => undefined }),
    registerTextDocumentContentProvider: () => disposable,
    onDidChangeConfiguration: () => disposable,
  },
  languages: { registerHoverProvider: () => disposable },
};

const resolve = (Module as unknown as { _resolveFilename: (r: string, ...a: unknown[]) => string })._resolveFilename;
(Module as unknown as { _resolveFilename: (r: string, ...a: unknown[]) => string })._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
(require.cache as Record<string, unknown>).vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeShim };
