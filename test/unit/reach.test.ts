// Finding each node's own engine: the connected one, a mapping (which must answer as the node it
// names), or any context that answers as a node of this swarm. Engines here are stand-ins that
// answer /info as a node would; the live lab test does the same through real engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBundle } from '../../src/core/bundle/bundle';
import { bundleTraceContext } from '../../src/core/bundle/collect';
import { parseHost } from '../../src/core/docker/endpoint';
import type { LiveEngineReader } from '../../src/core/docker/engine';
import { EngineError } from '../../src/core/docker/errors';
import { mappedCandidates, readableHostnames, reachNodes, type ReachCandidate } from '../../src/core/nodes/reach';
import { fixture } from '../fixtures';

const ctx = bundleTraceContext(parseBundle(fixture('check/lab-3node.json')), { timeoutMs: 1000, helperImage: 'unused', recheckDelayMs: 0 });
const cluster = ctx.cluster;
const id = (hostname: string) => cluster.state.nodes.find((n) => n.hostname === hostname)!.id;
const self = cluster.state.engine.nodeName;

/** Hosts -> what their /info says (a node ID), or a failure. */
function engines(answers: Record<string, string | Error>) {
  return (endpoint: ReturnType<typeof parseHost>): LiveEngineReader => {
    const answer = answers[endpoint.host];
    return {
      kind: 'live',
      endpoint,
      info: async () => {
        if (answer === undefined) throw new EngineError('refused', `Docker at ${endpoint.host} refused the connection: start it.`, 'test');
        if (answer instanceof Error) throw answer;
        return { Swarm: { NodeID: answer } };
      },
    } as unknown as LiveEngineReader;
  };
}
const context = (name: string, host: string): ReachCandidate => ({ via: { kind: 'context', context: name }, endpoint: parseHost(host, name, 'node context', undefined) });
const mapped = (pairs: Record<string, string>) => mappedCandidates(pairs, (h) => parseHost(h, 'default', 'node setting', undefined));
const others = ['node1', 'node2', 'node3'].filter((n) => n !== self);

test('contexts are matched by the node ID their engine answers; one of another swarm, or dead, is ignored', async () => {
  const answers = { 'tcp://a:2375': id(others[0]), 'tcp://b:2375': id(others[1]), 'tcp://c:2375': 'some-other-swarm-node' };
  const nodes = await reachNodes(cluster, ctx.engine, [context('a', 'tcp://a:2375'), context('b', 'tcp://b:2375'), context('c', 'tcp://c:2375'), context('dead', 'tcp://dead:2375')], { timeoutMs: 500, engineFor: engines(answers) });
  assert.deepEqual(nodes.map((n) => [n.hostname, n.via?.kind === 'context' ? n.via.context : n.via?.kind]).sort(), [[self, 'engine'], [others[0], 'a'], [others[1], 'b']].sort());
  assert.deepEqual(readableHostnames(nodes)[0], self, 'the connected node first');
});

test('a mapping wins over a context; a mapping that answers as another node, or not at all, is that node\'s error', async () => {
  const [x, y] = others;
  const wins = await reachNodes(cluster, ctx.engine, [...mapped({ [x]: 'tcp://mapped:2375' }), context('ctx', 'tcp://ctx:2375')], { timeoutMs: 500, engineFor: engines({ 'tcp://mapped:2375': id(x), 'tcp://ctx:2375': id(x) }) });
  assert.deepEqual(wins.find((n) => n.hostname === x)?.via, { kind: 'setting', host: 'tcp://mapped:2375' });
  const wrong = await reachNodes(cluster, ctx.engine, mapped({ [x]: 'tcp://m:2375', [y]: 'tcp://gone:2375' }), { timeoutMs: 500, engineFor: engines({ 'tcp://m:2375': id(y) }) });
  const nx = wrong.find((n) => n.hostname === x)!;
  assert.equal(nx.engine, undefined);
  assert.equal(nx.error, `swarmLens.nodes maps ${x} to tcp://m:2375, but that engine is ${y}: fix the mapping.`);
  assert.equal(nx.configured, true);
  const ny = wrong.find((n) => n.hostname === y)!;
  assert.match(ny.error!, new RegExp(`^${y}'s address tcp://gone:2375 does not answer \\(Docker at tcp://gone:2375 refused the connection: start it\\): check swarmLens.nodes`));
  assert.ok(!ny.error!.includes('\n'));
});

test('a mapping that is not an address is one sentence on its node; nothing is asked of it', async () => {
  const [x] = others;
  const asked: string[] = [];
  const nodes = await reachNodes(cluster, ctx.engine, mappedCandidates({ [x]: 'http://nope' }, (h) => parseHost(h, 'default', 'node setting', undefined)), {
    timeoutMs: 500,
    engineFor: (e) => (asked.push(e.host), engines({})(e)),
  });
  assert.deepEqual(asked, []);
  assert.match(nodes.find((n) => n.hostname === x)!.error!, /^[^\n]*http:\/\/nope[^\n]* is not a Docker address/);
});

test('a node nobody said how to reach gets the sentence that says how', async () => {
  const nodes = await reachNodes(cluster, ctx.engine, [], { timeoutMs: 500, engineFor: engines({}) });
  for (const n of nodes.filter((x) => x.hostname !== self)) {
    assert.equal(n.engine, undefined);
    assert.equal(n.configured, undefined);
    assert.match(n.error!, new RegExp(`^Swarm Lens cannot reach ${n.hostname}'s engine: add a docker context .* swarmLens\\.nodes \\(--node-host ${n.hostname}=HOST on the CLI\\)\\.$`));
  }
});
