// The panel's Connections section and the IPVS settings column, rendered into a tiny stand-in
// DOM (elements, attributes, text nodes, listeners; no HTML parser at all): tasks are links that
// reveal the task, cluster text arrives as text nodes, an empty table says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionStep, TaskRef, Trace } from '../../src/core/trace/types';
import type { WebviewMessage } from '../../src/webview/protocol';

class FakeText {
  constructor(readonly text: string) {}
  get textContent(): string {
    return this.text;
  }
}

class FakeElement {
  readonly attributes = new Map<string, string>();
  readonly children: (FakeElement | FakeText)[] = [];
  readonly listeners = new Map<string, ((e: { stopPropagation(): void }) => void)[]>();
  constructor(readonly tagName: string) {}
  setAttribute(k: string, v: string): void {
    this.attributes.set(k, v);
  }
  append(...nodes: (FakeElement | FakeText)[]): void {
    this.children.push(...nodes);
  }
  addEventListener(type: string, f: (e: { stopPropagation(): void }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), f]);
  }
  click(): void {
    for (const f of this.listeners.get('click') ?? []) f({ stopPropagation() {} });
  }
  get textContent(): string {
    return this.children.map((c) => c.textContent).join('');
  }
  all(tag: string): FakeElement[] {
    const kids = this.children.filter((c): c is FakeElement => c instanceof FakeElement);
    return [...kids.filter((c) => c.tagName === tag), ...kids.flatMap((c) => c.all(tag))];
  }
  texts(): string[] {
    return this.children.flatMap((c) => (c instanceof FakeText ? [c.text] : c.texts()));
  }
}

(globalThis as unknown as { document: unknown }).document = {
  createElement: (tag: string) => new FakeElement(tag),
  createElementNS: (_ns: string, tag: string) => new FakeElement(tag),
  createTextNode: (text: string) => new FakeText(text),
};

const task = (name: string, node: string, id: string): TaskRef => ({ id, name, service: name.split('.')[0], node, state: 'running' });
const EVIL = 'client.1<img src=x onerror=alert(1)>';

function traceWith(connections: ConnectionStep[] | undefined): Trace {
  return {
    version: 1, kind: 'service', takenAt: '2026-11-30T09:00:00Z', node: 'node1', probe: 'offline', layout: 'lb-sandbox',
    service: { id: 's1', name: 'vote', endpointMode: 'vip' },
    dns: [], vips: [], marks: [], ipvs: [], mesh: [], findings: [], commands: [], raw: [],
    sandboxes: [
      { netns: '/var/run/docker/netns/lb_abcdef012', kind: 'lb', present: true, ipvsAvailable: true, connections, timeouts: { tcp: 900, tcpfin: 120, udp: 300 }, sysctls: { conn_reuse_mode: 0, expire_nodest_conn: 1 } },
    ],
  };
}

const established: ConnectionStep = {
  protocol: 'TCP', state: 'ESTABLISHED', expiresInSeconds: 899,
  client: { address: '10.0.1.7', port: 41234, task: { ...task('client.1', 'node1', 'tc1'), name: EVIL } },
  virtual: { address: '10.0.1.5', port: 80, service: 'vote' },
  backend: { address: '10.0.1.9', port: 80, task: task('vote.2', 'node2', 'tv2') },
};

test('Connections: client task → VIP:port (service) → backend task, state, time left; tasks reveal on click', async () => {
  const { connectionsSection, sandboxesSection } = await import('../../src/webview/sections');
  const posted: WebviewMessage[] = [];
  const ctx = { post: (m: WebviewMessage) => posted.push(m), isOpen: (_: string, d: boolean) => d, setOpen: () => {} };
  const el = connectionsSection(ctx, traceWith([established, { ...established, state: 'TIME_WAIT', expiresInSeconds: 65, client: { address: '10.0.1.250', port: 5000 } }])) as unknown as FakeElement;
  assert.ok(el, 'a section when a table was read');
  assert.equal(el.attributes.get('heading'), 'Connections');
  assert.equal(el.attributes.get('description'), 'ipvsadm -Lnc in lb_abcdef012');
  assert.deepEqual(el.all('th').map((x) => x.textContent), ['Client', 'Virtual', 'Backend', 'State', 'Time left', 'Sandbox']);
  const rows = el.all('tr').slice(1).map((r) => r.all('td').map((c) => c.textContent));
  assert.deepEqual(rows, [
    [`${EVIL} · node1 10.0.1.7:41234`, '10.0.1.5:80 vote', 'vote.2 · node2 10.0.1.9:80', 'TCP ESTABLISHED', '14:59', 'lb_abcdef012'],
    ['10.0.1.250:5000 no task', '10.0.1.5:80 vote', 'vote.2 · node2 10.0.1.9:80', 'TCP TIME_WAIT', '01:05', 'lb_abcdef012'],
  ]);
  assert.ok(el.texts().includes(`${EVIL} · node1`), 'the hostile name is one text node, as typed');
  const links = el.all('button');
  links.find((b) => b.textContent === 'vote.2 · node2')!.click();
  assert.deepEqual(posted, [{ type: 'reveal', kind: 'task', id: 'tv2' }]);

  const sandboxes = sandboxesSection(ctx, traceWith([])) as unknown as FakeElement;
  assert.ok(sandboxes.all('th').some((x) => x.textContent === 'IPVS timeouts and settings'));
  assert.ok(sandboxes.textContent.includes('timeouts tcp 900 s, tcpfin 120 s, udp 300 s; conn_reuse_mode 0, expire_nodest_conn 1'));
});

test('Connections: an empty table says so; no table read means no section', async () => {
  const { connectionsSection, allSections } = await import('../../src/webview/sections');
  const ctx = { post: () => {}, isOpen: (_: string, d: boolean) => d, setOpen: () => {} };
  const empty = connectionsSection(ctx, traceWith([])) as unknown as FakeElement;
  assert.match(empty.textContent, /No connection to vote in the IPVS connection table\./);
  assert.equal(connectionsSection(ctx, traceWith(undefined)), null);
  const ids = (allSections(ctx, traceWith([established])) as unknown as FakeElement[]).map((s) => s.attributes.get('id'));
  assert.ok(ids.includes('section-connections'), ids.join());
});
