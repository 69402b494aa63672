// A trace as plain text for a terminal, and as Markdown for an export; one walk, two spellings.
import * as path from 'node:path';
import { connectionLine, ipvsSettingsText, traceConnections } from './connectionRows';
import type { DnsAnswerStep, Trace } from './types';

function answerText(a: DnsAnswerStep): string {
  return a.owner.kind === 'vip' ? `${a.address} (VIP of ${a.owner.service})` : a.owner.kind === 'task' ? `${a.address} (${a.owner.task.name} on ${a.owner.task.node}, ${a.owner.task.state})` : `${a.address} (unknown)`;
}

function heading(trace: Trace): string {
  const what = trace.kind === 'service' ? `service ${trace.service?.name} (${trace.service?.endpointMode})` : trace.kind === 'mesh' ? `routing mesh ${trace.port?.port}/${trace.port?.protocol}` : `container ${trace.source?.name}`;
  return `Trace of ${what} on ${trace.node}${trace.source && trace.kind === 'service' ? `, from ${trace.source.task?.name ?? trace.source.name}` : ''} (${trace.probe} probe, ${trace.layout} layout, ${trace.takenAt})`;
}

/** The lines of a trace, with `h` making section titles and `code` marking literal text. */
function lines(trace: Trace, h: (title: string) => string, code: (text: string) => string): string[] {
  const out = [heading(trace), ''];
  out.push(h('Findings'));
  if (trace.findings.length === 0) out.push('  none: the path looks healthy');
  for (const f of trace.findings) {
    out.push(`  [${f.severity}] ${f.title}`);
    for (const e of f.evidence) out.push(`      ${code(e)}`);
    out.push(`      what to do: ${f.fix}`);
  }
  if (trace.dns.length) {
    out.push('', h('DNS answers'));
    for (const d of trace.dns) out.push(`  ${d.query} -> ${d.answers.map(answerText).join(', ') || d.status}`);
  }
  if (trace.vips.length) {
    out.push('', h('VIPs'));
    for (const v of trace.vips) {
      const mark = v.mark ? `mark ${v.mark.hex} = ${v.mark.mark} (${v.mark.sandbox} ${v.mark.chain})` : 'no mark rule';
      const ipvs = v.ipvs ? `IPVS FWM ${v.ipvs.fwmark} ${v.ipvs.scheduler ?? ''}` : 'no IPVS service';
      out.push(`  ${v.address} on ${v.network} -> ${mark} -> ${ipvs}${v.lbIndex !== null ? `  (LocalLBIndex ${v.lbIndex})` : ''}`);
    }
  }
  if (trace.marks.length) {
    out.push('', h('Marks'));
    for (const m of trace.marks) out.push(`  ${m.sandbox} ${m.table}/${m.chain} ${m.destination ?? ''}${m.port ? ` dport ${m.port}` : ''} MARK ${m.hex} = ${m.mark}${m.packets !== null ? ` pkts ${m.packets}` : ''}`);
  }
  if (trace.ipvs.length) {
    out.push('', h('IPVS'));
    for (const v of trace.ipvs) {
      out.push(`  ${v.sandbox} ${v.protocol} ${v.fwmark ?? `${v.address}:${v.port}`} ${v.scheduler ?? ''}`);
      for (const b of v.backends) out.push(`    -> ${b.address ?? b.host}:${b.port ?? '?'} ${b.forward ?? ''} w${b.weight ?? '?'} ${b.task ? `${b.task.name} on ${b.task.node} (${b.task.state})` : 'no task'}`);
    }
  }
  const read = trace.sandboxes.filter((s) => s.connections !== undefined);
  if (read.length) {
    const rows = traceConnections(trace);
    out.push('', h('Connections'));
    if (rows.length === 0) out.push(`  none in the IPVS connection table${trace.kind === 'service' ? ` for ${trace.service?.name}` : ''} (${read.map((s) => path.basename(s.netns)).join(', ')})`);
    for (const c of rows) out.push(`  ${code(connectionLine(c))}`);
  }
  const settings = trace.sandboxes.map((s) => [s, ipvsSettingsText(s)] as const).filter(([, t]) => t !== null);
  if (settings.length) {
    out.push('', h('IPVS settings'));
    for (const [s, t] of settings) out.push(`  ${path.basename(s.netns)}: ${t}`);
  }
  for (const m of trace.mesh) {
    out.push('', h(`Routing mesh on ${m.node}`));
    out.push(`  host DOCKER-INGRESS: ${m.dnat ? `DNAT ${m.port}/${m.protocol} -> ${m.dnat}` : 'no DNAT for this port'}`);
    out.push(`  ingress_sbox: ${m.marks.map((x) => `MARK ${x.hex} = ${x.mark}`).join(', ') || 'no mark for this port'}`);
    out.push(`  IPVS: ${m.ipvs ? `FWM ${m.ipvs.fwmark} -> ${m.ipvs.backends.map((b) => b.task?.name ?? b.address).join(', ')}` : 'none'}`);
    if (m.snat) out.push(`  ingress_sbox ${m.snat.action}: backends see ${m.snat.toSource ?? "ingress_sbox's address"} as the client's address`);
  }
  out.push('', h('Equivalent commands'));
  for (const c of trace.commands) out.push(`  ${code(c)}`);
  return out;
}

export function traceToText(trace: Trace): string {
  return lines(trace, (t) => `${t}:`, (t) => t).join('\n') + '\n';
}

export function traceToMarkdown(trace: Trace): string {
  const body = lines(trace, (t) => `## ${t}`, (t) => '`' + t.replace(/`/g, "'") + '`');
  return `# ${body[0]}\n` + body.slice(1).map((l) => (l.startsWith('  ') ? `- ${l.trim()}` : l)).join('\n') + '\n';
}
