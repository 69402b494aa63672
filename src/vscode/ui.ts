import * as vscode from 'vscode';

/** Markdown for tooltips: no HTML, no command links (cluster text is never trusted). */
export function md(text: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(text);
  m.supportHtml = false;
  return m;
}

/** Escapes free text from the cluster (task errors, labels) so it shows as typed. */
export function esc(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => '\\' + c);
}

/** A task or node state as a coloured dot. */
export function stateIcon(state: string): vscode.ThemeIcon {
  const colour =
    state === 'running' || state === 'ready' || state === 'active'
      ? 'testing.iconPassed'
      : ['failed', 'rejected', 'down', 'orphaned', 'disconnected'].includes(state)
        ? 'list.errorForeground'
        : ['complete', 'shutdown', 'drain', 'unknown'].includes(state)
          ? 'disabledForeground'
          : 'list.warningForeground';
  return new vscode.ThemeIcon(colour === 'disabledForeground' ? 'circle-outline' : 'circle-filled', new vscode.ThemeColor(colour));
}
