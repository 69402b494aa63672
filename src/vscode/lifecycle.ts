// Lifetimes on the extension side, after vscode-pull-request-github's common/lifecycle.ts: an
// object registers what it creates (listeners, emitters, panels) as it creates it, and one
// dispose() releases all of it, newest first, once.
import type * as vscode from 'vscode';

/** Disposes each, newest first, and empties the list. */
export function disposeAll(disposables: vscode.Disposable[]): void {
  while (disposables.length) disposables.pop()?.dispose();
}

export function toDisposable(dispose: () => void): vscode.Disposable {
  return { dispose };
}

export abstract class Disposable implements vscode.Disposable {
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  /** Keeps `value` until this is disposed; registered after that, it is disposed at once. */
  protected register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.disposables.push(value);
    return value;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeAll(this.disposables);
  }
}
