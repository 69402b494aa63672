// Throwaway extension for the e2e harness self-test: one command and one tree view.
'use strict';
const vscode = require('vscode');

const ITEMS = ['alpha', 'beta', 'gamma'];

class SmokeTree {
  getTreeItem(label) {
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `smoke-${label}`;
    item.description = 'smoke';
    item.iconPath = new vscode.ThemeIcon('beaker');
    return item;
  }
  getChildren(element) {
    return element ? [] : ITEMS;
  }
}

function activate(context) {
  const view = vscode.window.createTreeView('e2eSmoke.items', { treeDataProvider: new SmokeTree() });
  context.subscriptions.push(
    view,
    vscode.commands.registerCommand('e2eSmoke.hello', (name) => {
      const text = `hello ${name || 'world'} from e2e-smoke`;
      vscode.window.showInformationMessage(text);
      return text;
    }),
  );
  console.log('[e2e-smoke] activated');
  return { items: () => ITEMS.slice(), env: (key) => process.env[key] };
}

function deactivate() {}

module.exports = { activate, deactivate };
