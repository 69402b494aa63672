import * as vscode from 'vscode';
import type { ClusterModel } from './clusterModel';
import { Disposable } from './lifecycle';

/** A tree that redraws whenever the model's cluster changes. */
export abstract class ModelTreeProvider<T> extends Disposable implements vscode.TreeDataProvider<T> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;
  private shown: unknown;
  private shownReach: unknown;

  constructor(protected readonly model: ClusterModel) {
    super();
    this.register(
      model.onDidChange(() => {
        // Loading keeps the previous cluster on screen; redraw only when it (or how nodes are reached) really changed.
        if (model.cluster !== this.shown || model.reach !== this.shownReach) {
          this.shown = model.cluster;
          this.shownReach = model.reach;
          this.changed.fire();
        }
      }),
    );
  }

  abstract getChildren(element?: T): T[];
  abstract getTreeItem(element: T): vscode.TreeItem;
}
