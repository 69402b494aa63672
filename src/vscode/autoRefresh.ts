// Keeps the model fresh while a Swarm view is visible: Docker events plus a slow poll, debounced.
// Nothing runs while every view is hidden.
import * as vscode from 'vscode';
import { EngineError } from '../core/docker/errors';
import type { ClusterModel } from './clusterModel';
import type { Log } from './log';
import { Disposable, toDisposable } from './lifecycle';
import { readSettings } from './settings';

const DEBOUNCE_MS = 750;
const EVENT_TYPES = ['service', 'node', 'network', 'container'];
/** Events that change what the views show; health checks and execs would refresh all the time. */
const EVENT_ACTIONS = ['create', 'update', 'remove', 'start', 'die', 'destroy', 'connect', 'disconnect'];

export class AutoRefresh extends Disposable {
  private readonly visible = new Set<vscode.TreeView<unknown>>();
  private running?: { stop: () => void };
  private debounce?: NodeJS.Timeout;

  constructor(private readonly model: ClusterModel, private readonly log: Log, views: vscode.TreeView<unknown>[]) {
    super();
    this.register(toDisposable(() => this.running?.stop()));
    for (const view of views) {
      if (view.visible) this.visible.add(view);
      this.register(
        view.onDidChangeVisibility((e) => {
          if (e.visible) this.visible.add(view);
          else this.visible.delete(view);
          this.update();
        }),
      );
    }
    this.update();
  }

  /** Restart with new settings (engine or poll interval changed). */
  restart(): void {
    this.running?.stop();
    this.running = undefined;
    this.update();
  }

  private update(): void {
    if (this.visible.size > 0 && !this.running) this.start();
    else if (this.visible.size === 0 && this.running) {
      this.running.stop();
      this.running = undefined;
    }
  }

  private start(): void {
    const settings = readSettings();
    const controller = new AbortController();
    // Opening a view shows what is cached at once and reads the cluster again.
    this.schedule(0);
    const poll = settings.pollSeconds > 0 ? setInterval(() => !this.model.offline && this.schedule(0), settings.pollSeconds * 1000) : undefined;
    if (settings.refreshOnEvents) void this.watchEvents(controller.signal);
    this.running = {
      stop: () => {
        controller.abort();
        if (poll) clearInterval(poll);
        if (this.debounce) clearTimeout(this.debounce);
      },
    };
  }

  private async watchEvents(signal: AbortSignal): Promise<void> {
    // Reconnect after the stream ends (dockerd restarted), backing off while it stays down.
    let delay = 2000;
    while (!signal.aborted) {
      try {
        // A bundle does not change: nothing to watch until the live engine is back.
        if (this.model.offline) throw new Error('showing a snapshot');
        const engine = this.model.engine();
        await engine.events(EVENT_TYPES, EVENT_ACTIONS, () => this.schedule(DEBOUNCE_MS), signal);
        delay = 2000;
      } catch (err) {
        // An engine that sent garbage (an oversized event) is worth a warning; one that is down is not.
        if (err instanceof EngineError && err.kind === 'bad-response') this.log.warn(`Event stream dropped: ${err.message} [${err.detail}]`);
        else this.log.debug(`event stream: ${(err as Error).message}`);
        delay = Math.min(delay * 2, 60000);
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  private schedule(ms: number): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.model.refresh(), ms);
  }
}
