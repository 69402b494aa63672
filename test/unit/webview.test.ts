// The trace panel without a browser: its sources never build HTML from strings, its protocol's
// guards accept what each side sends and refuse the rest, and the diagram's graph (pure data)
// draws the path a person expects for healthy, broken, dnsrr and mesh traces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBundle } from '../../src/core/bundle/bundle';
import { bundleTraceContext } from '../../src/core/bundle/collect';
import { traceContainer, traceMesh, traceService } from '../../src/core/trace/run';
import type { Trace } from '../../src/core/trace/types';
import { buildGraph, type GraphNode } from '../../src/webview/graph';
import { isHostMessage, isPanelState, isWebviewMessage, panelState, panelTitle, traceKey, type WebviewMessage } from '../../src/webview/protocol';
import { fixture, repoRoot } from '../fixtures';

const webviewDir = path.join(repoRoot, 'src', 'webview');

async function recordedTrace(what: { service?: string; port?: number; container?: string }): Promise<Trace> {
  const ctx = bundleTraceContext(parseBundle(fixture('trace/swarm-20.10-no-ipvs.json')), { timeoutMs: 1000, helperImage: 'unused', recheckDelayMs: 0 });
  if (what.service) return traceService(ctx, what.service);
  if (what.container) return traceContainer(ctx, what.container);
  return traceMesh(ctx, what.port!);
}

/** Every node of a graph, depth first. */
function nodes(roots: GraphNode[]): GraphNode[] {
  const out: GraphNode[] = [];
  const walk = (n: GraphNode): void => {
    out.push(n);
    n.children.forEach((e) => walk(e.to));
  };
  roots.forEach(walk);
  return out;
}

/** A healthy vip trace: the recorded one with a mark and a full IPVS pool put in. */
function healthy(t: Trace): Trace {
  const vip = t.vips[0];
  const tasks = t.dns.find((d) => d.query === `tasks.${t.service!.name}`)!.answers;
  const mark = { sandbox: '/run/docker/netns/lb_abc', table: 'mangle', chain: 'INPUT', mark: 259, hex: '0x103', destination: `${vip.address}/32`, protocol: null, port: null, packets: 42, rule: `-A INPUT -d ${vip.address}/32 -j MARK --set-xmark 0x103/0xffffffff` };
  const backends = tasks.map((a) => ({ address: a.address, host: null, port: 0, forward: 'Masq', weight: 1, activeConnections: 0, inactiveConnections: 0, task: a.owner.kind === 'task' ? a.owner.task : undefined }));
  const ipvs = { sandbox: '/run/docker/netns/lb_abc', protocol: 'fwm', fwmark: 259, hex: '0x103', address: null, port: null, scheduler: 'rr', backends };
  return { ...t, vips: [{ ...vip, lbIndex: 259, mark, ipvs }], marks: [mark], ipvs: [ipvs], findings: [] };
}

test('no webview source builds HTML from strings or evaluates code', () => {
  const files = fs.readdirSync(webviewDir).filter((f) => /\.(ts|css)$/.test(f));
  assert.ok(files.includes('main.ts') && files.includes('protocol.ts'));
  for (const f of files) {
    const src = fs.readFileSync(path.join(webviewDir, f), 'utf8');
    for (const bad of [/\.innerHTML\b/, /\binsertAdjacentHTML\b/, /\.outerHTML\b/, /\beval\s*\(/, /\bnew\s+Function\s*\(/, /document\.write/, /\bDOMParser\b/, /createContextualFragment/]) {
      assert.ok(!bad.test(src), `${f} uses ${bad}`);
    }
  }
});

test('the panel host: a nonce CSP without unsafe-inline, a crypto nonce, no retainContextWhenHidden', () => {
  const src = fs.readFileSync(path.join(repoRoot, 'src', 'vscode', 'webviewPanel.ts'), 'utf8');
  assert.match(src, /default-src 'none'/);
  assert.match(src, /script-src 'nonce-\$\{n\}'/);
  assert.ok(!/unsafe-inline|unsafe-eval/.test(src));
  assert.ok(!/retainContextWhenHidden\s*:\s*true/.test(src));
  assert.match(src, /randomBytes/);
});

test('webview messages: what the webview sends passes, anything else is refused', () => {
  const good: WebviewMessage[] = [
    { type: 'ready' },
    { type: 'refresh' },
    { type: 'exportMarkdown' },
    { type: 'saveSnapshot' },
    { type: 'reveal', kind: 'task', id: 'o4wp5awe2p09nsxlf740ewake' },
    { type: 'reveal', kind: 'service', id: 'vote' },
    { type: 'openContainer', containerId: '45cd26d9b7c99cfed62db6b0aa996046b68b9f35a9d1edb101ec5b1ebcd1253a' },
    { type: 'openRaw', index: 0 },
    { type: 'copy', text: 'ipvsadm -Ln' },
    { type: 'probe', count: 90, port: 80, http: false },
    { type: 'probe', count: 1000, port: 65535, http: true },
    { type: 'cancelProbe' },
  ];
  for (const m of good) assert.ok(isWebviewMessage(JSON.parse(JSON.stringify(m))), JSON.stringify(m));
  const bad: unknown[] = [
    null,
    'ready',
    { type: 'nope' },
    { type: 'reveal', kind: 'node', id: 'x' },
    { type: 'reveal', kind: 'task', id: '' },
    { type: 'openContainer', containerId: '../../etc/passwd' },
    { type: 'openRaw', index: -1 },
    { type: 'openRaw', index: 1.5 },
    { type: 'openRaw', index: '0' },
    { type: 'copy', text: 42 },
    // The probe's bounds are checked where the message arrives, not only in the form.
    { type: 'probe', count: 1001, port: 80, http: false },
    { type: 'probe', count: 0, port: 80, http: false },
    { type: 'probe', count: 10.5, port: 80, http: false },
    { type: 'probe', count: 10, port: 0, http: false },
    { type: 'probe', count: 10, port: '80', http: false },
    { type: 'probe', count: 10, port: 80, http: 'yes' },
  ];
  for (const m of bad) assert.ok(!isWebviewMessage(m), JSON.stringify(m));
});

test('host messages and the saved state round-trip through JSON with a real trace', async () => {
  const t = await recordedTrace({ service: 'vote' });
  const copy: unknown = JSON.parse(JSON.stringify({ type: 'trace', trace: t, theme: 'dark' }));
  assert.ok(isHostMessage(copy) && copy.type === 'trace');
  assert.deepEqual(copy.trace, JSON.parse(JSON.stringify(t)));
  assert.ok(isHostMessage({ type: 'loading', title: 'Tracing vote…' }));
  assert.ok(isHostMessage({ type: 'error', message: 'Cannot connect to Docker' }));
  assert.ok(!isHostMessage({ type: 'trace', trace: { ...t, version: 999 } }));
  const state: unknown = JSON.parse(JSON.stringify({ ...panelState({ trace: t }), open: { raw: true } }));
  assert.ok(isPanelState(state));
  assert.deepEqual(state.trace, JSON.parse(JSON.stringify(t)));
  assert.ok(!isPanelState({ ...state, stateVersion: 2 }));
  assert.ok(!isPanelState({ ...state, open: { raw: 'yes' } }));
  assert.ok(!isPanelState(undefined));
});

test('panel titles and keys: one panel per service, port or container', async () => {
  const vote = await recordedTrace({ service: 'vote' });
  const mesh = await recordedTrace({ port: 8080 });
  const ns = await recordedTrace({ container: 'client.1' });
  assert.equal(panelTitle(vote), 'Trace: vote');
  assert.equal(panelTitle(mesh), 'Mesh: 8080/tcp');
  assert.equal(panelTitle(ns), 'Namespace: client.1');
  assert.equal(new Set([traceKey(vote), traceKey(mesh), traceKey(ns)]).size, 3);
  assert.equal(traceKey(vote), traceKey({ ...vote, takenAt: 'later' }));
});

test('graph without IPVS: source -> DNS -> VIP, then a red labelled break, the tasks faint', async () => {
  const t = await recordedTrace({ service: 'vote' });
  const g = buildGraph(t);
  assert.deepEqual(g.columns, ['Source', 'DNS', 'VIP', 'Mark', 'IPVS', 'Tasks']);
  const [src] = g.roots;
  assert.equal(src.title, 'client.1');
  const dns = src.children[0].to;
  assert.equal(dns.title, 'vote');
  const vip = dns.children[0].to;
  assert.equal(vip.title, t.vips[0].address);
  assert.deepEqual(vip.action, { kind: 'service', id: t.service!.id });
  const brk = vip.children[0];
  assert.equal(brk.health, 'error');
  assert.equal(brk.label, 'IPVS missing');
  assert.ok(brk.to.dashed);
  const faint = nodes(g.roots).filter((n) => n.col === 5);
  assert.deepEqual(faint.map((n) => n.health), ['muted', 'muted']);
});

test('graph of a healthy VIP: mark 0x103 = 259, FWM 259 rr, each backend as its running task', async () => {
  const t = healthy(await recordedTrace({ service: 'vote' }));
  const g = buildGraph(t);
  const all = nodes(g.roots);
  assert.ok(all.some((n) => n.col === 3 && n.title === '0x103 = 259'));
  assert.ok(all.some((n) => n.col === 4 && n.title === 'FWM 259 rr'));
  const tasks = all.filter((n) => n.col === 5);
  assert.deepEqual(tasks.map((n) => n.health), ['ok', 'ok']);
  assert.ok(tasks.every((n) => /^vote\.\d · \S+ · running$/.test(n.title) && n.action?.kind === 'task'));
  assert.ok(all.every((n) => n.children.every((e) => e.health !== 'error')));
});

test('graph of weight 0, a stale backend and a task missing from the pool', async () => {
  const base = healthy(await recordedTrace({ service: 'vote' }));
  const pool = base.ipvs[0];
  const [first] = pool.backends;
  const faulty = { ...pool, backends: [{ ...first, weight: 0 }, { ...first, address: '10.0.1.99', task: undefined }] };
  const t: Trace = { ...base, vips: [{ ...base.vips[0], ipvs: faulty }], ipvs: [faulty] };
  const tasks = nodes(buildGraph(t).roots).filter((n) => n.col === 5);
  const byHealth = tasks.map((n) => `${n.health}:${n.title}`);
  assert.ok(byHealth.some((x) => x.startsWith('warn:vote.')), byHealth.join('\n'));
  assert.ok(byHealth.includes('error:stale · no task'), byHealth.join('\n'));
  const missing = tasks.find((n) => n.sub.endsWith('not in the pool'));
  assert.ok(missing && missing.health === 'error' && missing.dashed);
});

test('graph of a dnsrr service: the DNS answers go straight to the tasks', async () => {
  const t = await recordedTrace({ service: 'votedns' });
  const g = buildGraph(t);
  assert.deepEqual(g.columns, ['Source', 'DNS', 'Tasks']);
  const dns = g.roots[0].children[0].to;
  assert.equal(dns.children.length, 2);
  assert.ok(dns.children.every((e) => e.to.col === 2 && e.to.health === 'ok' && e.to.title.startsWith('votedns.')));
});

test('graph of the routing mesh without IPVS: node port, then the broken steps in red', async () => {
  const t = await recordedTrace({ port: 8080 });
  const g = buildGraph(t);
  assert.equal(g.columns[0], 'Node port');
  assert.equal(g.roots.length, t.mesh.length);
  const root = g.roots[0];
  assert.equal(root.title, `${t.mesh[0].node}:8080`);
  const steps = nodes([root]).slice(1);
  assert.ok(steps.some((n) => n.title === 'no MARK rule' && n.health === 'error'));
  assert.ok(steps.some((n) => n.title === 'IPVS missing'));
});

test('cluster text stays text in the graph: a hostile service name is carried as is', async () => {
  const t = await recordedTrace({ service: 'vote' });
  const evil = '<img src=x onerror=alert(1)>';
  const hostile: Trace = { ...t, service: { ...t.service!, name: evil }, dns: t.dns.map((d) => ({ ...d, query: d.query.replace('vote', evil) })) };
  const all = nodes(buildGraph(hostile).roots);
  assert.ok(all.some((n) => n.title === evil));
});

test('a probe report is a host message and part of the saved state; a malformed one is neither', async () => {
  const { countProbe } = await import('../../src/core/traffic/count');
  const { splitProbeOutput } = await import('../../src/core/netns/script');
  const { fixture } = await import('../fixtures');
  const dump = splitProbeOutput(fixture('traffic/vote-ok.txt')).traffic![0];
  const report = countProbe(
    { service: 'vote', from: 'client.1', node: 'node1', mode: 'vip', vip: '10.0.0.9', scheduler: 'rr', fwmark: 258, pool: [], request: { kind: 'traffic', netns: '/x/netns/a', targets: ['10.0.0.9'], port: 80, count: 90, firstPort: 45000, timeoutSeconds: 2, http: false }, commands: [] },
    dump,
    '2026-11-30T10:53:00.000Z',
    1000,
    () => ({ task: null, node: null }),
  );
  const copy: unknown = JSON.parse(JSON.stringify({ type: 'probeReport', report }));
  assert.ok(isHostMessage(copy));
  assert.ok(!isHostMessage({ type: 'probeReport', report: { ...report, version: 2 } }));
  assert.ok(!isHostMessage({ type: 'probeReport', report: { ...report, backends: 'x' } }));
  assert.ok(isHostMessage({ type: 'probing', text: 'Sending 90 connections…' }));
  const t = await recordedTrace({ service: 'vote' });
  const state: unknown = JSON.parse(JSON.stringify({ ...panelState({ trace: t }), probe: report }));
  assert.ok(isPanelState(state));
  assert.ok(!isPanelState({ ...(state as object), probe: { version: 1 } }));
});
