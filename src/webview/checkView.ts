// The check panel in the browser: the nodes × services matrix, then each finding with its
// evidence, what to do, and a way to look closer (trace that service on that node). Cluster text
// only through textContent (dom.ts).
import { cellFindings, cellState, type CellState } from '../core/check/matrix';
import type { CheckFinding, CheckReport } from '../core/check/types';
import { h, linkButton, smallButton } from './dom';
import { plural, section, severityPill, type SectionContext } from './sections';

const STATE_TEXT: Record<CellState, string> = { ok: 'ok', warning: 'warning', error: 'error', unreachable: 'not reached' };
const STATE_CLASS: Record<CellState, string> = { ok: 'state-ok', warning: 'state-warn', error: 'state-error', unreachable: 'state-none' };

/** The id of a finding's element, so a matrix cell can bring it into view. */
const findingId = (report: CheckReport, f: CheckFinding): string => `finding-${report.findings.indexOf(f)}`;

function cell(report: CheckReport, node: string, service: string): HTMLElement {
  const state = cellState(report, node, service);
  const found = cellFindings(report, node, service);
  const label = `${service} on ${node}: ${STATE_TEXT[state]}${found.length ? `, ${plural(found.length, 'finding')}` : ''}`;
  const content = [h('span', { class: `dot ${STATE_CLASS[state]}`, 'aria-hidden': 'true' }), STATE_TEXT[state]];
  if (found.length === 0) return h('td', { class: `cell cell-${state}`, 'aria-label': label, title: label }, ...content);
  // A cell with findings jumps to the first of them.
  const go = h('button', { type: 'button', class: `cell-button cell-${state}`, 'aria-label': `${label}: show`, title: label }, ...content);
  go.addEventListener('click', () => {
    const target = document.getElementById(findingId(report, found[0]));
    target?.scrollIntoView({ block: 'center' });
    target?.focus();
  });
  return h('td', { class: 'cell' }, go);
}

function matrix(ctx: SectionContext, report: CheckReport): HTMLElement {
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Node'), ...report.services.map((s) => h('th', { scope: 'col' }, s)), h('th', { scope: 'col' }, 'Reached through'));
  const rows = report.nodes.map((n) => {
    const reach = n.reachable
      ? h('td', { class: 'muted' }, n.via)
      : h('td', {}, h('span', { class: 'state-error-text' }, n.error ?? 'not reached'), ' ', smallButton('Reach…', `Choose how to reach ${n.hostname}'s engine`, () => ctx.post({ type: 'reachNode', node: n.hostname })));
    return h('tr', {}, h('th', { scope: 'row' }, n.hostname), ...report.services.map((s) => cell(report, n.hostname, s)), reach);
  });
  return h('div', { class: 'table-wrap' }, h('table', { class: 'matrix', 'aria-label': 'Nodes by services' }, h('thead', {}, head), h('tbody', {}, ...rows)));
}

function findingItem(ctx: SectionContext, report: CheckReport, f: CheckFinding): HTMLElement {
  const where = [f.node, f.service === '*' ? 'every service' : f.service, f.network, f.code].filter(Boolean).join(' · ');
  const traceable = f.service !== '*' && report.nodes.find((n) => n.hostname === f.node)?.reachable;
  return h(
    'article',
    { class: `finding finding-${f.severity}`, id: findingId(report, f), tabindex: -1, 'aria-label': `${f.severity}: ${f.message}` },
    h('div', { class: 'finding-head' }, severityPill(f.severity), h('span', { class: 'finding-title' }, f.message)),
    h('div', { class: 'muted finding-where' }, where),
    f.evidence.length ? h('div', { class: 'evidence', role: 'group', 'aria-label': 'Evidence' }, ...f.evidence.map((e) => h('div', { class: 'evidence-line' }, e))) : null,
    f.fix ? h('div', { class: 'fix' }, h('span', { class: 'fix-label' }, 'What to do: '), f.fix) : null,
    traceable ? h('div', { class: 'finding-actions' }, linkButton(`Trace ${f.service} on ${f.node}`, `Trace load balancing of ${f.service} from a task on ${f.node}`, () => ctx.post({ type: 'traceOn', service: f.service, node: f.node }))) : null,
  );
}

/** The check's body: a summary line, the matrix, the findings. */
export function checkBody(ctx: SectionContext, report: CheckReport): HTMLElement[] {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const summary =
    report.findings.length === 0
      ? h('div', { class: 'healthy' }, h('span', { class: 'dot state-ok', 'aria-hidden': 'true' }), 'No findings: every node reached agrees with the control plane.')
      : h('div', { class: errors ? 'summary state-error-text' : 'summary state-warn-text' }, [errors && plural(errors, 'error'), warnings && plural(warnings, 'warning')].filter(Boolean).join(' · '));
  const findings = report.findings.length ? section(ctx, 'check-findings', 'Findings', '', report.findings.length, true, h('div', { class: 'findings' }, ...report.findings.map((f) => findingItem(ctx, report, f)))) : null;
  return [summary, matrix(ctx, report), ...(findings ? [findings] : [])];
}

export function checkTitle(report: CheckReport): string {
  return report.services.length === 1 ? `Check: ${report.services[0]}` : 'Check: load balancing';
}

export function checkMeta(report: CheckReport): string {
  return `${plural(report.services.length, 'service')} on ${report.nodes.filter((n) => n.reachable).length} of ${plural(report.nodes.length, 'node')}`;
}
