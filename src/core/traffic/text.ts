// The probe report for a terminal: one histogram row per backend, then the findings.
import type { ProbeReport } from './types';

const BAR_WIDTH = 30;

export function probeToText(r: ProbeReport): string {
  const target = r.mode === 'dnsrr' ? `${r.service}'s DNS answers` : r.mode === 'mesh' ? `${r.vip}:${r.port} (published by ${r.service})` : `${r.service} at ${r.vip}:${r.port}`;
  const counted = r.mode === 'dnsrr' ? 'counted by the address each lookup answered' : "counted from IPVS's connection table";
  const lines = [
    `Probe from ${r.from} on ${r.node}: ${r.sent} connections to ${target}, ${r.scheduler ?? 'no scheduler'}, ${counted}.`,
    `${r.connected} connected, ${r.failed} failed, in ${(r.durationMs / 1000).toFixed(1)} s.`,
    '',
  ];
  const total = r.backends.reduce((n, b) => n + b.connections, 0);
  const width = Math.max(...r.backends.map((b) => (b.task ? `${b.task} on ${b.node}` : b.address).length), 8);
  for (const b of r.backends) {
    const name = (b.task ? `${b.task} on ${b.node}` : b.address).padEnd(width);
    const share = total ? b.connections / total : 0;
    const bar = '#'.repeat(Math.round(share * BAR_WIDTH)).padEnd(BAR_WIDTH, '.');
    const expected = b.notServing ? `not serving: ${b.notServing}` : `expected ${Math.round(b.expectedShare * 100)}%`;
    const failed = b.failed ? `, ${b.failed} failed` : '';
    lines.push(`  ${name}  ${b.address.padEnd(15)}  ${bar}  ${String(b.connections).padStart(4)}  ${String(Math.round(share * 100)).padStart(3)}%  (${expected}${failed})`);
    for (const [status, n] of Object.entries(b.http ?? {})) lines.push(`  ${''.padEnd(width)}  ${''.padEnd(15)}  ${n} x ${status}`);
  }
  if (r.findings.length) {
    lines.push('', 'Findings:');
    for (const f of r.findings) {
      lines.push(`  [${f.severity}] ${f.message}`);
      for (const e of f.evidence) lines.push(`      ${e}`);
      if (f.fix) lines.push(`      -> ${f.fix}`);
    }
  }
  lines.push('', 'Commands:', ...r.commands.map((c) => `  ${c}`));
  return lines.join('\n');
}

/** Whether the probe found something wrong (the CLI's exit 1). */
export function probeFailed(r: ProbeReport): boolean {
  return r.findings.some((f) => f.severity === 'error' || f.severity === 'warning');
}
