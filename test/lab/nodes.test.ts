// Every node, on the live lab: Swarm Lens connected to node1's manager finds node2's and node3's
// own engines (through docker contexts, or addresses as swarmLens.nodes / --node-host give them),
// and a trace from a task on node3 reads node3's namespaces with node3's marks. Expected values
// come from each node's own docker CLI.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { CHECK_VERSION, type CheckReport } from '../../src/core/check/types';
import { contextOn } from './lab';
import { traceService } from '../../src/core/trace/run';
import { REPO_ROOT } from '../e2e/codeServer';
import { docker, eventually, HELPER_IMAGE, inSandbox, labContexts, labMapping, LAB_TEST, labSuite, overlayFacts, reachingContext, type Lab } from './lab';
import { checkLoadBalancing } from '../../src/core/check/run';

let lab: Lab;
const ready = labSuite((up) => (lab = up));
const T = LAB_TEST;

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
    env: { ...process.env, SWARM_LENS_HELPER_IMAGE: HELPER_IMAGE, ...env },
  });
}

test('node1\'s manager reaches node2 and node3 through the lab\'s docker contexts, and through mapped addresses', T, async (t) => {
  if (!ready(t)) return;
  for (const [candidates, via] of [
    [labContexts(lab), (n: number) => `docker context lab-node${n}`],
    [labMapping(lab, [2, 3]), (n: number) => `address ${lab.host(n)} (swarmLens.nodes / --node-host)`],
  ] as const) {
    const ctx = await reachingContext(lab, 1, [...candidates]);
    const nodes = await ctx.reach!();
    const ids = Object.fromEntries([1, 2, 3].map((n) => [`node${n}`, docker(lab, n, 'info', '-f', '{{.Swarm.NodeID}}')]));
    assert.deepEqual(nodes.map((n) => [n.hostname, n.nodeId, !!n.engine]).sort(), Object.entries(ids).map(([h, id]) => [h, id, true]).sort());
    assert.equal(nodes.find((n) => n.hostname === 'node1')?.via?.kind, 'engine');
    for (const n of [2, 3]) {
      const reach = nodes.find((x) => x.hostname === `node${n}`)!;
      const text = reach.via?.kind === 'context' ? `docker context ${reach.via.context}` : reach.via?.kind === 'setting' ? `address ${reach.via.host} (swarmLens.nodes / --node-host)` : String(reach.via?.kind);
      assert.equal(text, via(n));
    }
  }
});

test('a mapping that names the wrong node is one sentence on that node, not a silent wrong read', T, async (t) => {
  if (!ready(t)) return;
  const wrong = labMapping(lab, [3]).map((c) => ({ ...c, node: 'node2' }));
  const nodes = await (await reachingContext(lab, 1, wrong)).reach!();
  const node2 = nodes.find((n) => n.hostname === 'node2')!;
  assert.equal(node2.engine, undefined);
  assert.equal(node2.error, `swarmLens.nodes maps node2 to ${lab.host(3)}, but that engine is node3: fix the mapping.`);
  assert.equal(nodes.find((n) => n.hostname === 'node3')?.engine, undefined, 'node3 is not reached through a mapping meant for node2');
});

test('trace vote from the client task on node3 while connected to node1: node3\'s namespaces and marks', T, async (t) => {
  if (!ready(t)) return;
  const ctx = await reachingContext(lab, 1);
  const client = ctx.cluster.state.tasks.find((x) => x.serviceName === 'client' && x.nodeName === 'node3' && x.state === 'running')!;
  const trace = await traceService(ctx, 'vote', client.name);
  assert.equal(trace.node, 'node3');
  const index = (node: number) => (JSON.parse(docker(lab, node, 'network', 'inspect', '--verbose', '--format', '{{json .Services}}', 'overlay1')) as Record<string, { LocalLBIndex: number }>).vote.LocalLBIndex;
  const [vip] = trace.vips;
  assert.equal(vip.lbIndex, index(3), "the LocalLBIndex shown is node3's, from node3's engine");
  assert.equal(vip.mark?.mark, index(3), "the MARK read is node3's");
  assert.equal(vip.ipvs?.fwmark, index(3));
  assert.deepEqual(trace.findings.filter((f) => f.severity !== 'info').map((f) => f.title), []);
  const ids = docker(lab, 3, 'ps', '-q', '--no-trunc', '--filter', 'label=com.docker.swarm.service.name=vote').split('\n');
  const taskOnNode3 = vip.ipvs!.backends.find((b) => b.task?.node === 'node3');
  assert.ok(taskOnNode3 && ids.includes(taskOnNode3.task!.containerId!), 'node3\'s own vote task is a backend, named as the container node3 runs');
  if (index(1) === index(3)) t.diagnostic('node1 and node3 number vote alike this time; the read is still node3\'s');
});

test('without a way to reach node3, a trace from its task says so in one sentence, naming node3', T, async (t) => {
  if (!ready(t)) return;
  const ctx = { ...(await contextOn(lab, 1)), reach: undefined };
  const client = ctx.cluster.state.tasks.find((x) => x.serviceName === 'client' && x.nodeName === 'node3' && x.state === 'running')!;
  await assert.rejects(traceService(ctx, 'vote', client.name), (err: Error) => {
    assert.match(err.message, /^Swarm Lens cannot reach node3's engine: add a docker context whose engine runs on node3/);
    assert.ok(!err.message.includes('\n') && !/404|No such container/.test(err.message), err.message);
    return true;
  });
});

test('swarm-lens check --json through node1 with --node-host: the contract, exit 0; exit 2 without a manager', T, async (t) => {
  if (!ready(t)) return;
  const run = cli(['check', '--json', '--host', lab.host(1), '--node-host', `node2=${lab.host(2)}`, `--node-host=node3=${lab.host(3)}`], { DOCKER_CONFIG: path.join(REPO_ROOT, 'test-artifacts', 'no-docker-config') });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as CheckReport;
  assert.equal(report.version, CHECK_VERSION);
  assert.ok(!Number.isNaN(Date.parse(report.takenAt)));
  assert.deepEqual(report.nodes.map((n) => [n.hostname, n.reachable]).sort(), [['node1', true], ['node2', true], ['node3', true]]);
  for (const n of report.nodes) assert.deepEqual(Object.keys(n).sort(), ['hostname', 'id', 'reachable', 'via']);
  assert.equal(report.nodes.find((n) => n.hostname === 'node2')?.via, `address ${lab.host(2)} (swarmLens.nodes / --node-host)`);
  assert.deepEqual(report.findings, []);
  // node3 left out, no context for it: a warning that says how to reach it, not an error (exit 0).
  const text = cli(['check', 'vote', '--host', lab.host(1), '--node-host', `node2=${lab.host(2)}`], { DOCKER_CONFIG: path.join(REPO_ROOT, 'test-artifacts', 'no-docker-config') });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^node2 +ok +address /m);
  assert.match(text.stdout, /^node3 +- +not reached$/m);
  assert.match(text.stdout, /^WARN {2}node3 \* node-unreachable: Swarm Lens cannot reach node3's engine/m);
  assert.equal(text.stdout.match(/^(WARN|ERROR) /gm)?.length, 1, 'nothing else');
  const bad = cli(['check', '--host', 'unix:///nonexistent/docker.sock']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^swarm-lens: No Docker engine at \/nonexistent\/docker\.sock/);
  const usage = cli(['check', '--node-host', 'node2']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--node-host takes NODE=HOST/);
});

/** Services a swarm job of Swarm Lens left on the lab, and their containers on node3 (none may remain). */
function probeServices(): string[] {
  const services = docker(lab, 1, 'service', 'ls', '--filter', 'name=swarm-lens-probe-', '--format', '{{.Name}}').split('\n').filter(Boolean);
  const containers = docker(lab, 3, 'ps', '-a', '--filter', 'label=swarm-lens.job', '--format', '{{.Names}}').split('\n').filter(Boolean);
  return [...services, ...containers];
}

test('opt-in swarm job: node3 reached no other way is checked through a job on node3, which is gone afterwards; a fault there is found', T, async (t) => {
  if (!ready(t)) return;
  // node2 through its context; node3 has none: with swarm jobs on, a job reads it.
  const candidates = labContexts(lab).filter((c) => !(c.via.kind === 'context' && c.via.context === 'lab-node3'));
  const withJobs = () => reachingContext(lab, 1, candidates, true);
  const clean = await checkLoadBalancing(await withJobs());
  assert.deepEqual(clean.findings.map((f) => `${f.node}/${f.service}/${f.code}: ${f.message}`), []);
  assert.equal(clean.nodes.find((n) => n.hostname === 'node3')?.via, 'a swarm job (load balancers only)');
  assert.equal(clean.nodes.find((n) => n.hostname === 'node3')?.reachable, true);
  await eventually('the job and its container are removed after the check', 60_000, async () => (probeServices().length === 0 ? true : probeServices().join(',')));

  const { lb, vote } = overlayFacts(lab, 3);
  const victim = vote.Tasks[0];
  const mark = String(vote.LocalLBIndex);
  inSandbox(lab, 3, lb, 'ipvsadm', '-d', '-f', mark, '-r', victim.EndpointIP);
  try {
    const faulty = await checkLoadBalancing(await withJobs());
    assert.deepEqual(faulty.findings.map((f) => `${f.node}/${f.service}/${f.code}/${f.address}`), [`node3/vote/backend-missing/${victim.EndpointIP}`]);
  } finally {
    inSandbox(lab, 3, lb, 'ipvsadm', '-a', '-f', mark, '-r', victim.EndpointIP, '-m', '-w', '1');
  }
  await eventually('no job left', 60_000, async () => (probeServices().length === 0 ? true : probeServices().join(',')));

  // Cancelled while its job runs: the job is removed all the same.
  const controller = new AbortController();
  const running = checkLoadBalancing({ ...(await withJobs()), signal: controller.signal });
  await eventually('the swarm job exists', 120_000, async () => (probeServices().length ? true : 'not yet'));
  controller.abort();
  await assert.rejects(running, /Cancelled/);
  await eventually('no swarm job left after the cancel', 60_000, async () => (probeServices().length === 0 ? true : probeServices().join(',')));
});

test('swarm-lens check --swarm-job: the CLI reaches a node with no context through a job; without the flag it is only named', T, async (t) => {
  if (!ready(t)) return;
  const noContexts = { DOCKER_CONFIG: path.join(REPO_ROOT, 'test-artifacts', 'no-docker-config') };
  const run = cli(['check', '--json', '--swarm-job', '--host', lab.host(1), '--node-host', `node2=${lab.host(2)}`], noContexts);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as CheckReport;
  assert.equal(report.nodes.find((n) => n.hostname === 'node3')?.via, 'a swarm job (load balancers only)');
  assert.deepEqual(report.findings, []);
  await eventually('no job left', 60_000, async () => (probeServices().length === 0 ? true : probeServices().join(',')));
  const without = JSON.parse(cli(['check', '--json', '--host', lab.host(1), '--node-host', `node2=${lab.host(2)}`], noContexts).stdout) as CheckReport;
  assert.equal(without.nodes.find((n) => n.hostname === 'node3')?.reachable, false);
  assert.deepEqual(probeServices(), [], 'no job without the flag');
});
