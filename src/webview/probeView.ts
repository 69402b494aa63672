// The trace panel's Traffic section: Probe Load Distribution's form (which says what it will send
// before anything is sent) and its result, a histogram of where IPVS sent each connection.
// Cluster text only through textContent (dom.ts).
import type { Trace } from '../core/trace/types';
import { MAX_PROBE_CONNECTIONS, type ProbeBackend, type ProbeReport } from '../core/traffic/types';
import { code, h } from './dom';
import { plural, section, severityPill, type SectionContext } from './sections';

/** What the section shows besides the trace: the form's values, a run in progress, the last result. */
export interface ProbeViewState {
  count: number;
  /** The port to dial; null until known (the service declares none and the user typed none). */
  port: number | null;
  http: boolean;
  running?: string;
  error?: string;
  report?: ProbeReport;
}

/** What the probe will send, in one sentence, before it is sent. */
export function probeSentence(trace: Trace, st: ProbeViewState): string {
  const from = trace.source?.task?.name ?? trace.source?.name ?? 'the trace\'s client';
  const vip = trace.vips.find((v) => v.ipvs)?.address;
  const to = trace.service?.endpointMode === 'dnsrr' ? `the address each of ${st.count} DNS lookups of ${trace.service.name} answers` : `${trace.service?.name ?? '?'}'s VIP${vip ? ` ${vip}` : ''}`;
  return `Sends ${plural(st.count, 'TCP connection')} from ${from} to ${to} on port ${st.port ?? '?'}, 10 at a time and at most ~100 a second, 2 s each. Only the connection is opened${st.http ? ', then one HTTP GET /' : ' (nothing is sent on it)'}; IPVS's connection table then tells where each went.`;
}

function numberInput(id: string, label: string, value: number | null, min: number, max: number, onValue: (n: number | null) => void): HTMLElement {
  const input = h('input', { id, type: 'number', min, max, step: 1, value: value ?? '', required: true, class: 'num' });
  input.addEventListener('input', () => {
    const n = Number(input.value);
    onValue(input.value !== '' && Number.isInteger(n) && n >= min && n <= max ? n : null);
  });
  return h('label', { for: id, class: 'field' }, h('span', {}, label), input);
}

export function trafficSection(ctx: SectionContext, trace: Trace, st: ProbeViewState, changed: () => void): HTMLElement | null {
  if (trace.kind !== 'service' || !trace.service) return null;
  const body: HTMLElement[] = [];
  if (trace.probe === 'offline') {
    body.push(h('div', { class: 'muted' }, 'A snapshot cannot send traffic: connect to the live swarm to probe how connections spread.'));
  } else if (!trace.source) {
    body.push(h('div', { class: 'muted' }, `No client container shares a network with ${trace.service.name} on a node Swarm Lens can read: run one there to probe from it.`));
  } else {
    body.push(probeForm(ctx, trace, st, changed));
  }
  if (st.error) body.push(h('div', { class: 'error-banner', role: 'alert' }, h('span', { class: 'error-text' }, st.error)));
  const report = st.report?.service === trace.service.name ? st.report : undefined;
  if (report) body.push(histogram(report), ...probeFindings(report));
  const description = report ? `${report.connected} of ${report.sent} connected` : 'sends traffic only when asked';
  return section(ctx, 'traffic', 'Traffic: Probe Load Distribution', description, null, !!report || !!st.running, ...body);
}

function probeForm(ctx: SectionContext, trace: Trace, st: ProbeViewState, changed: () => void): HTMLElement {
  const sentence = h('p', { class: 'probe-sentence', id: 'probe-sentence' }, probeSentence(trace, st));
  const start = h('vscode-button', { id: 'probe-start', 'aria-describedby': 'probe-sentence' }, st.running ? 'Probing…' : 'Probe Load Distribution');
  const refreshForm = () => {
    sentence.textContent = probeSentence(trace, st);
    if (st.port === null || st.running) start.setAttribute('disabled', '');
    else start.removeAttribute('disabled');
  };
  const http = h('input', { id: 'probe-http', type: 'checkbox', checked: st.http });
  http.addEventListener('change', () => {
    st.http = http.checked;
    refreshForm();
    changed();
  });
  start.addEventListener('click', () => {
    if (st.port === null || st.running) return;
    ctx.post({ type: 'probe', count: st.count, port: st.port, http: st.http });
  });
  const fields = h(
    'div',
    { class: 'probe-fields' },
    numberInput('probe-count', 'Connections', st.count, 1, MAX_PROBE_CONNECTIONS, (n) => {
      if (n !== null) st.count = n;
      refreshForm();
      changed();
    }),
    numberInput('probe-port', 'Port', st.port, 1, 65535, (n) => {
      st.port = n;
      refreshForm();
      changed();
    }),
    h('label', { for: 'probe-http', class: 'field check' }, http, h('span', {}, 'HTTP GET on each')),
    start,
  );
  const form = h('div', { class: 'probe-form', role: 'group', 'aria-label': 'Probe Load Distribution' }, sentence, fields);
  if (st.running) {
    const cancel = h('vscode-button', { secondary: true, id: 'probe-cancel' }, 'Cancel');
    cancel.addEventListener('click', () => ctx.post({ type: 'cancelProbe' }));
    form.append(h('div', { class: 'probe-running', 'aria-live': 'polite' }, h('vscode-progress-bar', { 'aria-label': st.running }), h('span', {}, st.running), cancel));
  }
  refreshForm();
  return form;
}

const pct = (n: number) => `${Math.round(n * 100)}%`;

function backendName(b: ProbeBackend): string {
  return b.task ? `${b.task} on ${b.node ?? '?'}` : 'no task has this address';
}

/** One row per backend: its bar (share of what connected), the expected share as a tick, counts. */
function histogram(r: ProbeReport): HTMLElement {
  const total = r.backends.reduce((n, b) => n + b.connections, 0);
  const rows = r.backends.map((b) => {
    const share = total ? b.connections / total : 0;
    // Sizes through the CSSOM: the panel's CSP refuses style attributes.
    const fill = h('div', { class: `bar-fill${b.notServing ? ' muted-fill' : ''}` });
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    const bar = h('div', { class: 'bar', role: 'img', 'aria-label': `${backendName(b)}: ${b.connections} connections, ${pct(share)}, expected ${pct(b.expectedShare)}` }, fill);
    if (!b.notServing) {
      const tick = h('div', { class: 'bar-expected', title: `expected ${pct(b.expectedShare)}` });
      tick.style.left = `${(b.expectedShare * 100).toFixed(1)}%`;
      bar.append(tick);
    }
    const note = b.notServing ? `not serving: ${b.notServing}` : `expected ${pct(b.expectedShare)}`;
    const http = Object.entries(b.http ?? {}).map(([status, n]) => `${n} × ${status}`);
    return h(
      'div',
      { class: 'hist-row', 'data-task': b.task ?? '' },
      h('div', { class: 'hist-name' }, h('span', { class: b.notServing ? 'muted' : '' }, backendName(b)), ' ', code(b.address)),
      bar,
      h('div', { class: 'hist-count' }, h('strong', {}, String(b.connections)), ` · ${pct(share)}`),
      h('div', { class: 'hist-note muted' }, [note, b.failed ? `${b.failed} failed` : '', ...http].filter(Boolean).join(' · ')),
    );
  });
  const target = r.mode === 'dnsrr' ? 'DNS answers' : `${r.vip}:${r.port}`;
  const counted = r.mode === 'dnsrr' ? 'by the address each lookup answered' : "from IPVS's connection table";
  return h(
    'div',
    { class: 'histogram', role: 'group', 'aria-label': 'Where the connections went' },
    h('div', { class: 'hist-head' }, `${r.sent} sent from ${r.from} on ${r.node} to ${target} · ${r.connected} connected · ${r.failed} failed · ${r.scheduler ?? 'no scheduler'} · counted ${counted} · ${(r.durationMs / 1000).toFixed(1)} s`),
    ...rows,
  );
}

function probeFindings(r: ProbeReport): HTMLElement[] {
  if (r.findings.length === 0) return [h('div', { class: 'healthy' }, h('span', { class: 'dot state-ok', 'aria-hidden': 'true' }), 'The connections spread as the scheduler should spread them.')];
  return r.findings.map((f) =>
    h(
      'article',
      { class: `finding finding-${f.severity}`, 'aria-label': `${f.severity}: ${f.message}` },
      h('div', { class: 'finding-head' }, severityPill(f.severity), h('span', { class: 'finding-title' }, f.message)),
      f.evidence.length ? h('div', { class: 'evidence', role: 'group', 'aria-label': 'Evidence' }, ...f.evidence.map((e) => h('div', { class: 'evidence-line' }, e))) : null,
      f.fix ? h('div', { class: 'fix' }, h('span', { class: 'fix-label' }, 'What to do: '), f.fix) : null,
    ),
  );
}
