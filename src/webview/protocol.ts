// The trace panel's one message protocol, imported by both the extension host
// (src/vscode/tracePanel.ts) and the browser code (src/webview/main.ts). No `vscode` and no DOM
// here: plain types and the guards each side uses on what arrives from the other.
//
// Handshake: the webview restores its last trace from `getState()`, then posts `ready`; the host
// posts nothing before that `ready` (a hidden webview is torn down, so the host waits for `ready`
// again after the panel is shown).
import { CHECK_VERSION, type CheckReport } from '../core/check/types';
import { TRACE_VERSION, type Trace } from '../core/trace/types';
import { MAX_PROBE_CONNECTIONS, PROBE_VERSION, type ProbeReport } from '../core/traffic/types';

/** The panels' view types: the same in `createWebviewPanel` and the serializer registrations. */
export const TRACE_VIEW_TYPE = 'swarmLens.trace';
export const CHECK_VIEW_TYPE = 'swarmLens.check';

export type RevealKind = 'service' | 'task';

/** Webview -> host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'exportMarkdown' }
  | { type: 'saveSnapshot' }
  /** `id`: a task id, or a service id (a service name when the trace only knows the name). */
  | { type: 'reveal'; kind: RevealKind; id: string }
  | { type: 'openContainer'; containerId: string }
  /** Index into `trace.raw` of the trace on screen. */
  | { type: 'openRaw'; index: number }
  | { type: 'copy'; text: string }
  /** From the check: trace a service from a task on a node; find a way to reach a node. */
  | { type: 'traceOn'; service: string; node: string }
  | { type: 'reachNode'; node: string }
  /** Probe Load Distribution of the traced service, from the trace's source (the panel said what it sends). */
  | { type: 'probe'; count: number; port: number; http: boolean }
  | { type: 'cancelProbe' };

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Host -> webview. */
export type HostMessage =
  /** `probePort`: the port Probe Load Distribution offers (the service's first TCP target port). */
  | { type: 'trace'; trace: Trace; theme?: ThemeKind; probePort?: number }
  | { type: 'check'; report: CheckReport; theme?: ThemeKind }
  /** Work in progress (a refresh); the trace on screen stays, dimmed, until the new one comes. */
  | { type: 'loading'; title: string }
  | { type: 'error'; message: string }
  /** A probe runs (`text` says what it sends), ended with a report, or failed (the form stays). */
  | { type: 'probing'; text: string }
  | { type: 'probeReport'; report: ProbeReport }
  | { type: 'probeError'; message: string };

/** What the webview keeps with `setState`, and what the serializer gets back after a reload. */
export interface PanelState {
  /** Bumped when this shape changes; a state of another version is dropped. */
  stateVersion: 1;
  /** What the panel shows: a trace, or (the check panel) a check report. */
  trace?: Trace;
  report?: CheckReport;
  /** The last probe of the traced service, drawn under the trace. */
  probe?: ProbeReport;
  /** Sections the user opened or closed, by section id (`findings`, `dns`, `raw`, ...). */
  open?: Record<string, boolean>;
}

export const PANEL_STATE_VERSION = 1;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isString = (x: unknown, max = 100_000): x is string => typeof x === 'string' && x.length <= max;

/** Checks a message from the webview before the host acts on it (a webview is not trusted). */
export function isWebviewMessage(x: unknown): x is WebviewMessage {
  if (!isObject(x)) return false;
  switch (x.type) {
    case 'ready':
    case 'refresh':
    case 'exportMarkdown':
    case 'saveSnapshot':
      return true;
    case 'reveal':
      return (x.kind === 'service' || x.kind === 'task') && isString(x.id, 512) && x.id.length > 0;
    case 'openContainer':
      return isString(x.containerId, 128) && /^[0-9a-f]{6,64}$/i.test(x.containerId);
    case 'openRaw':
      return typeof x.index === 'number' && Number.isInteger(x.index) && x.index >= 0;
    case 'copy':
      return isString(x.text, 1_000_000);
    case 'traceOn':
      return isString(x.service, 512) && isString(x.node, 512) && x.service.length > 0 && x.node.length > 0;
    case 'reachNode':
      return isString(x.node, 512) && x.node.length > 0;
    case 'probe':
      return isWhole(x.count, 1, MAX_PROBE_CONNECTIONS) && isWhole(x.port, 1, 65535) && typeof x.http === 'boolean';
    case 'cancelProbe':
      return true;
    default:
      return false;
  }
}

const isWhole = (x: unknown, min: number, max: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

/** The shape checks a restored or received probe report must pass before it is drawn. */
export function isProbeReport(x: unknown): x is ProbeReport {
  return isObject(x) && x.version === PROBE_VERSION && typeof x.service === 'string' && typeof x.sent === 'number' && Array.isArray(x.backends) && Array.isArray(x.findings);
}

/** The shape checks a restored or received check report must pass before it is drawn. */
export function isCheckReport(x: unknown): x is CheckReport {
  return isObject(x) && x.version === CHECK_VERSION && typeof x.takenAt === 'string' && ['nodes', 'services', 'findings'].every((k) => Array.isArray(x[k]));
}

/** The shape checks a restored or received trace must pass before it is drawn. */
export function isTrace(x: unknown): x is Trace {
  if (!isObject(x)) return false;
  return (
    x.version === TRACE_VERSION &&
    (x.kind === 'service' || x.kind === 'container' || x.kind === 'mesh') &&
    typeof x.node === 'string' &&
    ['dns', 'vips', 'marks', 'ipvs', 'mesh', 'sandboxes', 'findings', 'commands', 'raw'].every((k) => Array.isArray(x[k]))
  );
}

export function isHostMessage(x: unknown): x is HostMessage {
  if (!isObject(x)) return false;
  switch (x.type) {
    case 'trace':
      return isTrace(x.trace);
    case 'check':
      return isCheckReport(x.report);
    case 'loading':
      return typeof x.title === 'string';
    case 'error':
    case 'probeError':
      return typeof x.message === 'string';
    case 'probing':
      return typeof x.text === 'string';
    case 'probeReport':
      return isProbeReport(x.report);
    default:
      return false;
  }
}

export function isPanelState(x: unknown): x is PanelState {
  return isObject(x) && x.stateVersion === PANEL_STATE_VERSION && (x.trace === undefined ? isCheckReport(x.report) : isTrace(x.trace) && x.report === undefined) && (x.probe === undefined || isProbeReport(x.probe)) && (x.open === undefined || (isObject(x.open) && Object.values(x.open).every((v) => typeof v === 'boolean')));
}

export function panelState(content: { trace: Trace } | { report: CheckReport }): PanelState {
  return { stateVersion: PANEL_STATE_VERSION, ...content };
}

/** The panel's title: `Trace: vote`, `Mesh: 8080/tcp`, `Namespace: client.1`. */
export function panelTitle(trace: Trace): string {
  if (trace.kind === 'mesh') return `Mesh: ${trace.port ? `${trace.port.port}/${trace.port.protocol}` : '?'}`;
  if (trace.kind === 'container') return `Namespace: ${trace.source?.task?.name ?? shortContainerName(trace.source?.name ?? '?')}`;
  return `Trace: ${trace.service?.name ?? '?'}`;
}

/** One panel per target: tracing the same thing again reuses its panel. */
export function traceKey(trace: Trace): string {
  if (trace.kind === 'mesh') return `mesh:${trace.port?.port}/${trace.port?.protocol}`;
  if (trace.kind === 'container') return `container:${trace.source?.containerId ?? trace.source?.name}`;
  return `service:${trace.service?.id ?? trace.service?.name}`;
}

/** `client.1.khs4996z5z7vpogbg5twr47f4` -> `client.1` (a task container's name ends in the task id). */
export function shortContainerName(name: string): string {
  return name.replace(/^(.+\.\d+)\.[a-z0-9]{25}$/, '$1');
}
