// The nodes × services matrix of a check report: one cell state, the same in the CLI and the panel.
import type { CheckFinding, CheckReport } from './types';

export type CellState = 'ok' | 'warning' | 'error' | 'unreachable';

/** Findings about this node and service, node-wide ones (`*`) included. */
export function cellFindings(report: CheckReport, node: string, service: string): CheckFinding[] {
  return report.findings.filter((f) => f.node === node && (f.service === service || f.service === '*'));
}

export function cellState(report: CheckReport, node: string, service: string): CellState {
  if (!report.nodes.find((n) => n.hostname === node)?.reachable) return 'unreachable';
  const found = cellFindings(report, node, service);
  return found.some((f) => f.severity === 'error') ? 'error' : found.length ? 'warning' : 'ok';
}

/** Exit status of `swarm-lens check`: 1 when anything is an error. */
export function hasError(report: CheckReport): boolean {
  return report.findings.some((f) => f.severity === 'error');
}

const LABEL: Record<CellState, string> = { ok: 'ok', warning: 'warn', error: 'ERROR', unreachable: '-' };

/** The report for a terminal: the matrix, then each finding with its evidence and what to do. */
export function checkToText(report: CheckReport): string {
  const names = report.services;
  const width = Math.max(4, ...report.nodes.map((n) => n.hostname.length)) + 2;
  const cols = names.map((s) => Math.max(5, s.length) + 2);
  const lines = [`Check of ${names.length} service${names.length === 1 ? '' : 's'} on ${report.nodes.filter((n) => n.reachable).length} of ${report.nodes.length} nodes, ${report.takenAt}`, ''];
  lines.push(' '.repeat(width) + names.map((s, i) => s.padEnd(cols[i])).join('') + 'reached through');
  for (const n of report.nodes) {
    lines.push(n.hostname.padEnd(width) + names.map((s, i) => LABEL[cellState(report, n.hostname, s)].padEnd(cols[i])).join('') + n.via);
  }
  lines.push('');
  if (report.findings.length === 0) lines.push('No findings: every node reached agrees with the control plane.');
  for (const f of report.findings) {
    lines.push(`${f.severity === 'error' ? 'ERROR' : 'WARN '} ${f.node} ${f.service} ${f.code}: ${f.message}`);
    for (const e of f.evidence) lines.push(`        ${e}`);
    if (f.fix) lines.push(`        what to do: ${f.fix}`);
  }
  return lines.join('\n');
}
