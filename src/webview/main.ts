// The trace panel in the browser: restore the last trace from state, say `ready`, then draw
// whatever the host sends. Nothing here builds HTML from strings (see dom.ts).
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { CheckReport } from '../core/check/types';
import type { Trace } from '../core/trace/types';
import { checkBody, checkMeta, checkTitle } from './checkView';
import { canvasMeasure, pageFonts, renderDiagram, type Measure } from './diagram';
import { clear, h } from './dom';
import { buildGraph, type NodeAction } from './graph';
import { isHostMessage, isPanelState, panelState, panelTitle, shortContainerName, type HostMessage, type PanelState, type WebviewMessage } from './protocol';
import { trafficSection, type ProbeViewState } from './probeView';
import { allSections, type SectionContext } from './sections';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

let trace: Trace | undefined;
/** The check panel shows a report instead of a trace (same page, same protocol). */
let report: CheckReport | undefined;
let loading: string | undefined;
let error: string | undefined;
let open: Record<string, boolean> = {};
let measure: Measure | undefined;
/** Probe Load Distribution's form and last result (kept with the trace it belongs to). */
let probe: ProbeViewState = { count: 100, port: null, http: false };

const post = (msg: WebviewMessage): void => vscode.postMessage(msg);

function save(): void {
  if (trace) vscode.setState({ ...panelState({ trace }), open, ...(probe.report ? { probe: probe.report } : {}) });
  else if (report) vscode.setState({ ...panelState({ report }), open });
}

const sectionContext: SectionContext = {
  post,
  isOpen: (id, byDefault) => open[id] ?? byDefault,
  setOpen: (id, value) => {
    open = { ...open, [id]: value };
    save();
  },
};

function onNodeAction(a: NodeAction): void {
  if (a.kind === 'container') post({ type: 'openContainer', containerId: a.id });
  else post({ type: 'reveal', kind: a.kind, id: a.id });
}

function toolbar(): HTMLElement {
  const button = (text: string, label: string, msg: WebviewMessage, primary = false): HTMLElement => {
    const b = h('vscode-button', { secondary: !primary, 'aria-label': label, title: label }, text);
    if (loading && msg.type === 'refresh') b.setAttribute('disabled', '');
    b.addEventListener('click', () => post(msg));
    return b;
  };
  if (report) {
    return h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Check actions' },
      button('Refresh', 'Refresh: check again', { type: 'refresh' }),
      button('Copy as JSON', 'Copy the report as JSON (the swarm-lens check --json format)', { type: 'copy', text: JSON.stringify(report, null, 2) }),
    );
  }
  return h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Trace actions' },
    button('Refresh', 'Refresh: trace again', { type: 'refresh' }),
    button('Export as Markdown', 'Export this trace as a Markdown document', { type: 'exportMarkdown' }),
    button('Save Snapshot', 'Save a snapshot of the cluster for offline use', { type: 'saveSnapshot' }),
  );
}

function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function header(t: Trace | undefined): HTMLElement {
  if (report) {
    return h('header', { class: 'top' }, h('div', { class: 'heading' }, h('h1', {}, checkTitle(report)), h('div', { class: 'meta' }, `${checkMeta(report)} · ${timeOf(report.takenAt)}`)), toolbar());
  }
  const title = t ? panelTitle(t) : loading ?? 'Trace';
  const pills: HTMLElement[] = [];
  if (t?.service) pills.push(h('span', { class: 'pill' }, t.service.endpointMode));
  if (t) pills.push(h('span', { class: 'pill' }, `${t.layout} layout`));
  const meta: string[] = [];
  if (t) {
    if (t.source) meta.push(`from ${t.source.task?.name ?? shortContainerName(t.source.name)}`);
    meta.push(`on ${t.node}`, `${t.probe} probe`, timeOf(t.takenAt));
  }
  return h(
    'header',
    { class: 'top' },
    h('div', { class: 'heading' }, h('h1', {}, title), ...pills, h('div', { class: 'meta' }, meta.join(' · '))),
    toolbar(),
  );
}

function statusArea(): HTMLElement {
  const area = h('div', { class: 'status', 'aria-live': 'polite' });
  if (loading) area.append(h('vscode-progress-bar', { 'aria-label': loading }), h('div', { class: 'loading-text' }, loading));
  if (error) {
    const dismiss = h('button', { type: 'button', class: 'small', 'aria-label': 'Dismiss the error' }, 'Dismiss');
    dismiss.addEventListener('click', () => {
      error = undefined;
      render();
    });
    area.append(h('div', { class: 'error-banner', role: 'alert' }, h('span', { class: 'error-text' }, error), dismiss));
  }
  return area;
}

function healthLine(t: Trace): HTMLElement | null {
  const errors = t.findings.filter((f) => f.severity === 'error').length;
  const warnings = t.findings.filter((f) => f.severity === 'warning').length;
  if (errors || warnings) return null;
  return h('div', { class: 'healthy' }, h('span', { class: 'dot state-ok', 'aria-hidden': 'true' }), t.findings.length ? 'No faults found: the notes below are for information.' : 'No findings: the path looks healthy.');
}

function legend(): HTMLElement {
  const item = (cls: string, text: string): HTMLElement => h('span', { class: 'legend-item' }, h('span', { class: `dot ${cls}`, 'aria-hidden': 'true' }), text);
  return h('div', { class: 'legend', 'aria-hidden': 'true' }, item('state-ok', 'running'), item('state-warn', 'weight 0'), item('state-error', 'stale, missing or broken'), h('span', { class: 'legend-item' }, h('span', { class: 'legend-dash' }), 'not programmed / not reached'));
}

function diagram(t: Trace): HTMLElement {
  measure ??= canvasMeasure(pageFonts());
  const graph = buildGraph(t);
  const wrap = h('section', { class: 'diagram-wrap', 'aria-label': 'Diagram of the request path' });
  if (graph.roots.length === 0) {
    wrap.append(h('div', { class: 'muted' }, 'Nothing to draw: the trace found no DNS answer, VIP or published port to follow.'));
    return wrap;
  }
  wrap.append(h('div', { class: 'diagram-scroll', tabindex: 0, 'aria-label': 'Diagram (scrolls sideways when wide)' }, renderDiagram(graph, measure, onNodeAction)), legend());
  return wrap;
}

function render(): void {
  const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
  clear(app);
  document.title = report ? checkTitle(report) : trace ? panelTitle(trace) : 'Swarm Lens trace';
  app.append(header(trace), statusArea());
  const main = h('main', { class: loading ? 'content busy' : 'content', 'aria-busy': loading ? 'true' : 'false' });
  if (report) {
    main.append(...checkBody(sectionContext, report));
  } else if (trace) {
    main.append(diagram(trace));
    const ok = healthLine(trace);
    if (ok) main.append(ok);
    const traffic = trafficSection(sectionContext, trace, probe, save);
    if (traffic) main.append(traffic);
    main.append(...allSections(sectionContext, trace));
  } else if (!loading && !error) {
    main.append(h('div', { class: 'empty muted' }, 'Waiting for a trace…'));
  }
  app.append(main);
}

function receive(msg: HostMessage): void {
  switch (msg.type) {
    case 'check':
      report = msg.report;
      trace = undefined;
      loading = undefined;
      error = undefined;
      if (msg.theme) document.body.dataset.theme = msg.theme;
      save();
      break;
    case 'trace':
      // Another service's trace: its probe form starts afresh.
      if (trace?.service?.name !== msg.trace.service?.name) probe = { count: probe.count, port: null, http: false };
      if (msg.probePort !== undefined && probe.port === null) probe.port = msg.probePort;
      trace = msg.trace;
      report = undefined;
      loading = undefined;
      error = undefined;
      if (msg.theme) document.body.dataset.theme = msg.theme;
      save();
      break;
    case 'loading':
      loading = msg.title;
      error = undefined;
      break;
    case 'error':
      loading = undefined;
      error = msg.message;
      break;
    case 'probing':
      probe = { ...probe, running: msg.text, error: undefined };
      open = { ...open, traffic: true };
      break;
    case 'probeReport':
      // The form offers the port this probe used (a palette probe of a service that declares none).
      probe = { ...probe, port: probe.port ?? msg.report.port, running: undefined, error: undefined, report: msg.report };
      open = { ...open, traffic: true };
      save();
      break;
    case 'probeError':
      probe = { ...probe, running: undefined, error: msg.message };
      break;
  }
  render();
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isHostMessage(e.data)) receive(e.data);
});

// Restore first (after a hide/show or a window reload), then tell the host it may push.
const restored = vscode.getState();
if (isPanelState(restored)) {
  trace = restored.trace;
  report = restored.report;
  if (restored.probe) probe = { ...probe, report: restored.probe, port: restored.probe.port };
  open = restored.open ?? {};
}
render();
post({ type: 'ready' });
