// Hovers and tooltips render cluster text as Markdown, and a hover is trusted to run commands.
// Rendered here with markdown-it (CommonMark, HTML and linkify on: stricter than VS Code), a
// crafted cluster must produce no link, image or HTML of its own, and show its text as typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster/cluster';
import { buildClusterState, type RawCluster } from '../../src/core/cluster/state';
import { HOVER_COMMANDS, hoverText } from '../../src/vscode/hoverText';
import { code, commandLink, labelText, markdown, Md, text } from '../../src/vscode/markdown';
import { engineStatusTooltip, errorStatusTooltip, networkTooltip, nodeTooltip, offlineStatusTooltip, taskTooltip } from '../../src/vscode/tooltips';
import { recordedCluster } from './engineFixtures';

// markdown-it comes with @vscode/vsce (a dev dependency) and has no types of its own here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (options: { html: boolean; linkify: boolean }) => { render(source: string): string };
const renderer = new MarkdownIt({ html: true, linkify: true });
const render = (m: Md) => renderer.render(m.text);
const HOSTILE = [
  'running](https://evil.example/a) ![i](https://evil.example/p.png)',
  '<img src=https://evil.example/q> <a href="https://evil.example">x</a>',
  '`tick` ``two`` **bold** _em_ www.evil.example me@evil.example https://evil.example',
  '&lt;b&gt; \\ [ref]: https://evil.example',
  '\n\n# heading\n\n[ref]\n\n    indented',
].join(' ');

/** What a reader sees: tags removed, entities decoded, whitespace collapsed. */
function visible(html: string): string {
  const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };
  return html.replace(/<[^>]*>/g, ' ').replace(/&(lt|gt|quot|#39|amp);/g, (e) => entities[e]).replace(/\s+/g, ' ').trim();
}
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Only these tags, nothing loaded from anywhere, and links only to the hover's own commands. */
function assertInert(html: string, allowedTags = ['p', 'strong', 'code']): void {
  // Text never holds a raw `<` (the renderer writes &lt;), so every `<` starts a real tag.
  const tags = [...html.matchAll(/<\/?([a-z0-9]+)([^>]*)>/g)];
  assert.deepEqual([...new Set(tags.map((t) => t[1]))].filter((t) => !allowedTags.includes(t)), [], html);
  for (const [, , attributes] of tags) {
    const rest = attributes.replace(/^\s*href="command:([\w.]+)\?[^"\s]*"/, (_, command: string) => (HOVER_COMMANDS.includes(command) ? '' : 'bad command'));
    assert.equal(rest.trim(), '', `attributes: ${attributes}`);
  }
}

function hostileCluster(): Cluster {
  const raw: RawCluster = structuredClone(recordedCluster());
  const tasks = raw.tasks as { Status: { State: string } }[];
  for (const t of tasks) t.Status.State = HOSTILE;
  (raw.services as { Spec: { Name: string } }[])[0].Spec.Name = 'vote`) [x](https://evil.example)';
  (raw.nodes as { Description: { Hostname: string } }[])[0].Description.Hostname = HOSTILE;
  return new Cluster(buildClusterState(raw));
}

test('escaping: text and code show any value as typed and never as markup', () => {
  for (const m of [text(HOSTILE), code(HOSTILE), markdown`state ${HOSTILE}, name ${code(HOSTILE)}`]) {
    const html = render(m);
    assertInert(html);
    assert.ok(visible(html).includes(squash(HOSTILE)), `${visible(html)}\n---\n${squash(HOSTILE)}`);
  }
  assert.equal(visible(render(code('``'))), '``');
  assert.equal(visible(render(code(''))), '');
});

test('a command link cannot be ended early: ( ) and quotes are percent-encoded, the argument comes back whole', () => {
  const arg = 'vote) ![i](https://evil.example/p.png) (x\'"*!';
  const link = commandLink('Trace Load Balancing', 'swarmLens.traceService', [arg]);
  assert.doesNotMatch(link.text.slice(link.text.indexOf('](') + 2, -1), /[()'!*\s]/);
  const html = render(link);
  assertInert(html, ['p', 'a']);
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(hrefs.length, 1);
  assert.deepEqual(JSON.parse(decodeURIComponent(hrefs[0].slice('command:swarmLens.traceService?'.length))), [arg]);
});

test('the trusted hover: a crafted task state and service name add no link, image or HTML; its two links carry the values', () => {
  const cluster = hostileCluster();
  const task = cluster.state.tasks.find((t) => t.addresses.length && t.serviceName.startsWith('vote`'))!;
  assert.ok(task, 'a task of the renamed service');
  const ip = task.addresses[0].address;
  const html = render(hoverText(cluster, ip, cluster.ownersOf(ip)));
  assertInert(html, ['p', 'strong', 'code', 'a']);
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs.map((h) => h.slice(0, h.indexOf('?'))), HOVER_COMMANDS.map((c) => `command:${c}`));
  assert.deepEqual(JSON.parse(decodeURIComponent(hrefs[0].split('?')[1])), [task.serviceName]);
  assert.deepEqual(JSON.parse(decodeURIComponent(hrefs[1].split('?')[1])), [ip]);
  assert.ok(visible(html).includes(squash(HOSTILE)), 'the state is shown as typed');
});

test('tooltips of nodes, networks, tasks and the status bar escape every value', () => {
  const cluster = hostileCluster();
  const node = cluster.state.nodes.find((n) => n.hostname === HOSTILE)!;
  const network = { ...cluster.state.networks[0], name: HOSTILE, driver: HOSTILE, scope: HOSTILE, subnet: HOSTILE, gateway: HOSTILE };
  const engine = { ...cluster.state.engine, nodeName: HOSTILE, role: HOSTILE as 'manager', serverVersion: HOSTILE, os: HOSTILE, kernel: HOSTILE };
  const tooltips = [
    nodeTooltip({ ...node, state: HOSTILE, availability: HOSTILE, address: HOSTILE, engineVersion: HOSTILE }, HOSTILE),
    networkTooltip(network),
    taskTooltip({ ...cluster.state.tasks[0], error: HOSTILE }),
    errorStatusTooltip(`Docker answered GET /info with an error (HTTP 500): ${HOSTILE}`),
    offlineStatusTooltip({ label: HOSTILE, cluster: HOSTILE, takenAt: HOSTILE }),
    engineStatusTooltip(HOSTILE, { host: HOSTILE, source: HOSTILE }, engine, HOSTILE),
  ];
  for (const tooltip of tooltips) {
    const html = render(tooltip);
    assertInert(html);
    assert.ok(visible(html).includes(squash(HOSTILE)), visible(html));
  }
});

test('status bar text: a name cannot add or spin an icon, nor break the line', () => {
  assert.equal(labelText('node$(sync~spin)\n$(alert)'), 'node\\$(sync~spin) \\$(alert)');
  assert.equal(labelText('plain-node.1'), 'plain-node.1');
});
