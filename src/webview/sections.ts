// The trace's sections under the diagram: findings, DNS, VIPs, marks, IPVS, connections, routing
// mesh, sandboxes, commands, raw outputs. Cluster text only through textContent (dom.ts).
import { formatExpiry, ipvsSettingsText, traceConnections } from '../core/trace/connectionRows';
import type { BackendStep, ConnectionEnd, DnsAnswerStep, Finding, IpvsStep, MarkRule, TaskRef, Trace } from '../core/trace/types';
import { code, h, linkButton, smallButton, table } from './dom';
import type { WebviewMessage } from './protocol';

export interface SectionContext {
  post(msg: WebviewMessage): void;
  /** Whether a section is open; remembered across renders by id. */
  isOpen(id: string, byDefault: boolean): boolean;
  setOpen(id: string, open: boolean): void;
}

export function section(ctx: SectionContext, id: string, heading: string, description: string, count: number | null, openByDefault: boolean, ...body: HTMLElement[]): HTMLElement {
  const el = h('vscode-collapsible', { id: `section-${id}`, heading, description: description || null, open: ctx.isOpen(id, openByDefault), class: 'section' });
  if (count !== null) el.append(h('vscode-badge', { slot: 'decorations', variant: 'counter', 'aria-label': `${count} ${heading}` }, String(count)));
  el.append(h('div', { class: 'section-body' }, ...body));
  el.addEventListener('vsc-collapsible-toggle', (e) => ctx.setOpen(id, (e as CustomEvent<{ open: boolean }>).detail.open));
  return el;
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const short = (id: string): string => id.slice(0, 12);
const basename = (p: string): string => p.split('/').pop() || p;

function taskLink(ctx: SectionContext, t: TaskRef, text = `${t.name} · ${t.node} · ${t.state}`): HTMLElement {
  const cls = t.state === 'running' ? 'state-ok' : 'state-error';
  return h('span', { class: 'task-ref' }, h('span', { class: `dot ${cls}`, 'aria-hidden': 'true' }), linkButton(text, `Reveal task ${t.name} (${t.state} on ${t.node}) in the Swarm view`, () => ctx.post({ type: 'reveal', kind: 'task', id: t.id })));
}

function containerLink(ctx: SectionContext, containerId: string | undefined): HTMLElement | string {
  if (!containerId) return '—';
  return linkButton(short(containerId), `Open container ${short(containerId)}`, () => ctx.post({ type: 'openContainer', containerId }), 'mono');
}

export function severityPill(sev: Finding['severity']): HTMLElement {
  return h('span', { class: `sev sev-${sev}` }, sev === 'error' ? 'Error' : sev === 'warning' ? 'Warning' : 'Info');
}

export function findingsSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  if (trace.findings.length === 0) return null;
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...trace.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  const counts = (['error', 'warning', 'info'] as const).map((s) => [s, trace.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  const description = counts.map(([s, n]) => plural(n, s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note')).join(' · ');
  const items = sorted.map((f) =>
    h(
      'article',
      { class: `finding finding-${f.severity}`, 'aria-label': `${f.severity}: ${f.title}` },
      h('div', { class: 'finding-head' }, severityPill(f.severity), h('span', { class: 'finding-title' }, f.title)),
      f.evidence.length ? h('div', { class: 'evidence', role: 'group', 'aria-label': 'Evidence' }, ...f.evidence.map((e) => h('div', { class: 'evidence-line' }, e))) : null,
      h('div', { class: 'fix' }, h('span', { class: 'fix-label' }, 'What to do: '), f.fix),
    ),
  );
  return section(ctx, 'findings', 'Findings', description, trace.findings.length, true, h('div', { class: 'findings' }, ...items));
}

function answerCell(ctx: SectionContext, trace: Trace, a: DnsAnswerStep): HTMLElement {
  if (a.owner.kind === 'vip') {
    const name = a.owner.service;
    const id = trace.service?.name === name ? trace.service.id : name;
    return h('div', { class: 'answer' }, code(a.address), h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'), 'VIP of ', linkButton(name, `Reveal service ${name} in the Swarm view`, () => ctx.post({ type: 'reveal', kind: 'service', id })), h('span', { class: 'muted' }, ` on ${a.owner.network}`));
  }
  if (a.owner.kind === 'task') return h('div', { class: 'answer' }, code(a.address), h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'), taskLink(ctx, a.owner.task));
  return h('div', { class: 'answer' }, code(a.address), h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'), h('span', { class: 'state-error-text' }, 'no service or task has this address'));
}

export function dnsSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  if (trace.dns.length === 0) return null;
  const rows = trace.dns.map((d) => {
    const got = d.answers.map((a) => a.address).sort().join(',');
    const want = [...d.expected].sort().join(',');
    const mismatch = d.expected.length > 0 && got !== want;
    const answers = h('div', { class: 'answers' }, ...d.answers.map((a) => answerCell(ctx, trace, a)));
    if (d.answers.length === 0) answers.append(h('span', { class: 'muted' }, 'no answer'));
    if (mismatch) answers.append(h('div', { class: 'state-warn-text' }, `expected ${d.expected.join(', ') || 'no answer'}`));
    return [code(d.query), h('span', { class: d.status === 'NOERROR' ? '' : 'state-error-text' }, d.status), answers];
  });
  const source = trace.source ? ` from ${trace.source.task?.name ?? trace.source.name}` : '';
  return section(ctx, 'dns', 'DNS answers', `127.0.0.11${source}`, trace.dns.length, true, table('DNS answers', ['Query', 'Status', 'Answers'], rows, 'dns'));
}

export function vipsSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  if (trace.vips.length === 0) return null;
  const rows = trace.vips.map((v) => [
    code(v.address),
    v.network,
    v.lbIndex !== null ? `${v.lbIndex} (0x${v.lbIndex.toString(16)})` : '—',
    v.mark ? h('span', {}, code(v.mark.hex), ` = ${v.mark.mark}`) : h('span', { class: trace.kind === 'mesh' ? 'muted' : 'state-error-text' }, trace.kind === 'mesh' ? 'not read (mesh trace)' : 'no MARK rule'),
    v.ipvs ? code(`FWM ${v.ipvs.fwmark ?? '?'} ${v.ipvs.scheduler ?? ''}`.trim()) : h('span', { class: trace.kind === 'mesh' || !v.mark ? 'muted' : 'state-error-text' }, v.mark ? 'no IPVS service' : '—'),
  ]);
  return section(ctx, 'vips', 'VIPs', trace.service ? `of ${trace.service.name}` : '', trace.vips.length, true, table('Virtual IPs', ['VIP', 'Network', 'LocalLBIndex', 'Mark', 'IPVS'], rows, 'vips'));
}

function markMatch(m: MarkRule): string {
  const parts: string[] = [];
  if (m.destination) parts.push(`-d ${m.destination}`);
  if (m.protocol) parts.push(`-p ${m.protocol}`);
  if (m.port !== null) parts.push(`--dport ${m.port}`);
  return parts.join(' ') || '(any)';
}

export function marksSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  const marks = [...trace.marks];
  for (const m of trace.mesh) for (const x of m.marks) if (!marks.includes(x) && !marks.some((y) => y.rule === x.rule && y.sandbox === x.sandbox)) marks.push(x);
  if (marks.length === 0) return null;
  const rows = marks.map((m) => {
    const rule = code(markMatch(m));
    rule.title = m.rule;
    return [h('span', { class: 'mono', title: m.sandbox }, basename(m.sandbox)), m.table, m.chain, rule, code(m.hex), String(m.mark), m.packets !== null ? String(m.packets) : '—'];
  });
  return section(ctx, 'marks', 'Marks', 'iptables MARK rules', marks.length, true, table('Firewall marks', ['Sandbox', 'Table', 'Chain', 'Match', 'Hex', 'Decimal', 'Packets'], rows, 'marks'));
}

function backendRow(ctx: SectionContext, b: BackendStep): (HTMLElement | string)[] {
  const addr = `${b.address ?? b.host ?? '?'}${b.port !== null ? `:${b.port}` : ''}`;
  const weight = h('span', { class: b.weight === 0 ? 'state-warn-text' : '' }, b.weight !== null ? String(b.weight) : '?');
  return [
    code(addr),
    b.forward ?? '—',
    weight,
    b.activeConnections !== null ? String(b.activeConnections) : '—',
    b.inactiveConnections !== null ? String(b.inactiveConnections) : '—',
    b.task ? taskLink(ctx, b.task) : h('span', { class: 'task-ref' }, h('span', { class: 'dot state-error', 'aria-hidden': 'true' }), h('span', { class: 'state-error-text' }, 'no task (stale)')),
    containerLink(ctx, b.task?.containerId),
  ];
}

function ipvsBlock(ctx: SectionContext, v: IpvsStep): HTMLElement {
  const what = v.fwmark !== null ? `FWM ${v.fwmark}${v.hex ? ` (${v.hex})` : ''}` : `${v.protocol.toUpperCase()} ${v.address}:${v.port}`;
  return h(
    'div',
    { class: 'ipvs' },
    h('div', { class: 'ipvs-head' }, code(`${what} ${v.scheduler ?? ''}`.trim(), 'strong'), h('span', { class: 'muted' }, ` in ${basename(v.sandbox)} · ${plural(v.backends.length, 'backend')}`)),
    v.backends.length
      ? table(`Backends of ${what}`, ['Backend', 'Forward', 'Weight', 'Active', 'Inactive', 'Task', 'Container'], v.backends.map((b) => backendRow(ctx, b)), 'backends')
      : h('div', { class: 'state-error-text' }, 'No backends: connections to this service fail.'),
  );
}

export function ipvsSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  const pools = [...trace.ipvs];
  for (const m of trace.mesh) if (m.ipvs && !pools.includes(m.ipvs) && !pools.some((p) => p.sandbox === m.ipvs!.sandbox && p.fwmark === m.ipvs!.fwmark)) pools.push(m.ipvs);
  if (pools.length === 0) return null;
  return section(ctx, 'ipvs', 'IPVS', 'virtual services and backends', pools.length, true, ...pools.map((v) => ipvsBlock(ctx, v)));
}

function connectionEnd(ctx: SectionContext, e: ConnectionEnd): HTMLElement {
  const address = code(`${e.address}:${e.port}`);
  return e.task ? h('span', {}, taskLink(ctx, e.task, `${e.task.name} · ${e.task.node}`), ' ', address) : h('span', {}, address, h('span', { class: 'muted' }, ' no task'));
}

/** Which task answered: each IPVS connection read, client task → VIP:port → backend task. */
export function connectionsSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  const read = trace.sandboxes.filter((s) => s.connections !== undefined);
  if (read.length === 0) return null;
  const rows = traceConnections(trace).map((c) => [
    connectionEnd(ctx, c.client),
    h('span', {}, code(`${c.virtual.address}:${c.virtual.port}`), c.virtual.service ? h('span', { class: 'muted' }, ` ${c.virtual.service}`) : null),
    connectionEnd(ctx, c.backend),
    `${c.protocol} ${c.state}`,
    h('span', { title: `${c.expiresInSeconds} s until IPVS forgets this entry unless a packet renews it` }, formatExpiry(c.expiresInSeconds)),
    h('span', { class: 'mono' }, c.sandbox),
  ]);
  const where = `ipvsadm -Lnc in ${read.map((s) => basename(s.netns)).join(', ')}`;
  const body = rows.length
    ? table('IPVS connections', ['Client', 'Virtual', 'Backend', 'State', 'Time left', 'Sandbox'], rows, 'connections')
    : h('div', { class: 'muted' }, `No connection${trace.kind === 'service' && trace.service ? ` to ${trace.service.name}` : ''} in the IPVS connection table.`);
  return section(ctx, 'connections', 'Connections', where, rows.length, rows.length > 0, body);
}

export function meshSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  if (trace.mesh.length === 0) return null;
  const blocks = trace.mesh.map((m) => {
    const rows: [string, HTMLElement][] = [
      ['Host DOCKER-INGRESS', m.dnat ? h('span', {}, `DNAT ${m.port}/${m.protocol} → `, code(m.dnat), m.dnatRule ? h('div', { class: 'rule' }, code(m.dnatRule)) : null) : h('span', { class: 'state-error-text' }, 'no DNAT for this port')],
      ['ingress_sbox marks', m.marks.length ? h('span', {}, ...m.marks.flatMap((x, i) => [i ? ', ' : '', code(x.hex), ` = ${x.mark}`])) : h('span', { class: 'state-error-text' }, 'no MARK for this port')],
      [
        'IPVS',
        m.ipvs
          ? h('span', {}, code(`FWM ${m.ipvs.fwmark ?? '?'} ${m.ipvs.scheduler ?? ''}`.trim()), ' → ', ...m.ipvs.backends.flatMap((b, i) => [i ? ', ' : '', b.task ? taskLink(ctx, b.task, b.task.name) : h('span', { class: 'state-error-text' }, `${b.address ?? '?'} (no task)`)]))
          : h('span', { class: 'state-error-text' }, 'no IPVS service'),
      ],
    ];
    if (m.snat) rows.push(['Client address', h('span', {}, `${m.snat.action}: backends see `, code(m.snat.toSource ?? "ingress_sbox's address"), ", not the client's", h('div', { class: 'rule' }, code(m.snat.rule)))]);
    return h('div', { class: 'mesh' }, h('h3', {}, `On ${m.node}`), h('dl', { class: 'kv' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  });
  return section(ctx, 'mesh', 'Routing mesh', trace.port ? `port ${trace.port.port}/${trace.port.protocol}` : '', trace.mesh.length, true, ...blocks);
}

export function sandboxesSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  if (trace.sandboxes.length === 0) return null;
  const yesNo = (v: boolean | null, good = true): HTMLElement => h('span', { class: v === null ? 'muted' : v === good ? '' : 'state-error-text' }, v === null ? 'unknown' : v ? 'yes' : 'no');
  const rows = trace.sandboxes.map((x) => [h('span', { class: 'mono', title: x.netns }, x.netns), x.kind, yesNo(x.present), yesNo(x.ipvsAvailable), h('span', { class: 'muted' }, ipvsSettingsText(x) ?? '—')]);
  return section(ctx, 'sandboxes', 'Sandboxes read', `${trace.probe} probe on ${trace.node}`, trace.sandboxes.length, false, table('Sandboxes read', ['Network namespace', 'Kind', 'Entered', 'IPVS', 'IPVS timeouts and settings'], rows, 'sandboxes'));
}

export function commandsSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  if (trace.commands.length === 0) return null;
  const all = smallButton('Copy all', 'Copy all commands', () => ctx.post({ type: 'copy', text: trace.commands.join('\n') + '\n' }));
  const list = h(
    'ol',
    { class: 'commands' },
    ...trace.commands.map((c, i) => h('li', {}, h('code', { class: 'command' }, c), smallButton('Copy', `Copy command ${i + 1}: ${c}`, () => ctx.post({ type: 'copy', text: c })))),
  );
  return section(ctx, 'commands', 'Equivalent commands', 'what to type for the same answers', trace.commands.length, false, h('div', { class: 'commands-tools' }, all), list);
}

export function rawSection(ctx: SectionContext, trace: Trace): HTMLElement | null {
  if (trace.raw.length === 0) return null;
  const list = h(
    'ul',
    { class: 'raw' },
    ...trace.raw.map((r, index) => {
      const lines = r.text.split('\n').length;
      return h('li', {}, linkButton(r.title, `Open raw output ${r.title} as a read-only document`, () => ctx.post({ type: 'openRaw', index })), h('span', { class: 'muted' }, ` · ${plural(lines, 'line')}`), h('div', {}, code(r.command, 'command dim')));
    }),
  );
  return section(ctx, 'raw', 'Raw outputs', 'open as read-only documents', trace.raw.length, false, list);
}

export function allSections(ctx: SectionContext, trace: Trace): HTMLElement[] {
  return [findingsSection, dnsSection, vipsSection, marksSection, ipvsSection, connectionsSection, meshSection, sandboxesSection, commandsSection, rawSection].map((f) => f(ctx, trace)).filter((x): x is HTMLElement => x !== null);
}
