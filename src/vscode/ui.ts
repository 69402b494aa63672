import * as vscode from 'vscode';
import type { Md } from './markdown';

/** Markdown with HTML off, untrusted unless a caller trusts named commands; only Md, whose values were escaped (markdown.ts). */
export function md(content: Md): vscode.MarkdownString {
  const m = new vscode.MarkdownString(content.text);
  m.supportHtml = false;
  return m;
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
