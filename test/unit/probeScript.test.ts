// The probe script's DNS batch: every question asked in one namespace goes to one dig, and its
// output is cut back into one answer per question, in order, also when a question times out or
// when dig cannot run at all. A stand-in nsenter plays dig's batch output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROBE_SCRIPT, probeArgs, splitProbeOutput, type ProbeRequest } from '../../src/core/netns/script';

/** dig 9.18's batch output on stdout for `-q NAME` lines: an answer per name, `nosuch` times out. */
const FAKE_DIG = `
const fs = require('fs');
const argv = process.argv.slice(2);
if (process.env.FAKE_NSENTER_FAIL) { process.stderr.write('nsenter: cannot open ' + argv[0] + ': No such file or directory\\n'); process.exit(1); }
if (argv.includes('-Lnc')) { process.stdout.write('IPVS connection entries\\npro expire state       source             virtual            destination\\n'); process.exit(0); }
if (argv.includes('--timeout')) { process.stdout.write('Timeout (tcp tcpfin udp): 900 120 300\\n'); process.exit(0); }
if (argv[1] === 'sh') { const r = require('child_process').spawnSync('sh', argv.slice(2), { stdio: 'inherit' }); process.exit(r.status); }
if (!argv.includes('dig')) process.exit(0);
const names = fs.readFileSync(0, 'utf8').split('\\n').filter(Boolean).map((l) => l.replace(/^-q /, ''));
let out = '';
names.forEach((name, i) => {
  out += '\\n; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> -q ' + name + '\\n';
  if (i === 0) out += '; (1 server found)\\n;; global options: +cmd\\n';
  if (name === 'nosuch') { out += ';; no servers could be reached\\n'; return; }
  out += ';; Got answer:\\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ' + (100 + i) + '\\n\\n;; QUESTION SECTION:\\n;' + name + '.\\t\\t\\tIN\\tA\\n\\n;; ANSWER SECTION:\\n' + name + '.\\t\\t600\\tIN\\tA\\t10.0.0.' + (10 + i) + '\\n\\n';
});
process.stdout.write(out);
`;

/** cat as the sysctl read sees it inside a load-balancer sandbox: one setting is missing. */
const FAKE_CAT = `
case "$1" in
  */expire_quiescent_template) echo "cat: $1: No such file or directory" >&2; exit 1 ;;
  */conn_reuse_mode) echo 0 ;;
  /proc/sys/net/ipv4/vs/*) echo 1 ;;
  *) exec /bin/cat "$@" ;;
esac
`;

function runScript(requests: ProbeRequest[], env: Record<string, string> = {}): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-dig-'));
  try {
    fs.writeFileSync(path.join(bin, 'nsenter'), `#!${process.execPath}\n${FAKE_DIG}`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'cat'), `#!/bin/sh\n${FAKE_CAT}`, { mode: 0o755 });
    return execFileSync('sh', ['-c', PROBE_SCRIPT, 'swarm-lens', ...probeArgs(requests)], { encoding: 'utf8', env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` } });
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

const NS = '/var/run/docker/netns/abc';
const OTHER = '/var/run/docker/netns/def';
const dns = (netns: string, name: string): ProbeRequest => ({ kind: 'dns', netns, name });

test('questions in one namespace share one dig, and come back one answer per question, in order', () => {
  const requests = [dns(NS, 'vote'), dns(NS, 'tasks.vote'), dns(NS, 'nosuch'), dns(OTHER, 'web')];
  assert.deepEqual(probeArgs(requests), ['dns', NS, 'vote', 'tasks.vote', 'nosuch', '--', 'dns', OTHER, 'web', '--']);
  const out = splitProbeOutput(runScript(requests));
  assert.deepEqual(out.dns.map((d) => [d.netns, d.name, d.result.exitCode]), [
    [NS, 'vote', 0],
    [NS, 'tasks.vote', 0],
    [NS, 'nosuch', 9],
    [OTHER, 'web', 0],
  ]);
  assert.match(out.dns[0].result.output, /vote\.\s+600\s+IN\s+A\s+10\.0\.0\.10/);
  assert.match(out.dns[1].result.output, /tasks\.vote\.\s+600\s+IN\s+A\s+10\.0\.0\.11/);
  assert.doesNotMatch(out.dns[1].result.output, /10\.0\.0\.10/, 'an answer never leaks into the next question');
  assert.match(out.dns[2].result.output, /no servers could be reached/);
  assert.equal(out.dns[0].result.command, `nsenter --net=${NS} dig @127.0.0.11 vote A`);
});

test('a namespace that cannot be entered still answers every question, as a failure', () => {
  const out = splitProbeOutput(runScript([dns(NS, 'vote'), dns(NS, 'tasks.vote')], { FAKE_NSENTER_FAIL: '1' }));
  assert.deepEqual(out.dns.map((d) => [d.name, d.result.exitCode]), [['vote', 1], ['tasks.vote', 1]]);
  assert.match(out.dns[0].result.output, /dig printed nothing/);
});

test('sandbox reads between questions keep their order, and a brief read skips the fallbacks', () => {
  const out = splitProbeOutput(runScript([{ kind: 'sandbox', netns: NS, brief: true }, dns(NS, 'vote'), { kind: 'sandbox', netns: OTHER }, dns(NS, 'web')]));
  assert.deepEqual(out.sandboxes.map((s) => [s.netns, Object.keys(s.sections)]), [
    [NS, ['iptables-save', 'ipvsadm-ln']],
    [OTHER, ['iptables-save', 'ipvsadm-ln', 'ipvsadm-s', 'proc-ip-vs', 'ip-addr']],
  ]);
  assert.deepEqual(out.dns.map((d) => d.name), ['vote', 'web']);
});

test('a full read of a load-balancer sandbox adds its connections, timeouts and IPVS sysctls; a brief read and a container do not', () => {
  const LB = '/var/run/docker/netns/lb_abcdef012';
  const INGRESS = '/var/run/docker/netns/ingress_sbox';
  const out = splitProbeOutput(runScript([{ kind: 'sandbox', netns: LB }, { kind: 'sandbox', netns: INGRESS }, { kind: 'sandbox', netns: LB, brief: true }, { kind: 'sandbox', netns: NS }]));
  const extra = ['ipvsadm-lnc', 'ipvsadm-timeout', 'ipvs-sysctls'];
  assert.deepEqual(out.sandboxes.map((s) => extra.filter((k) => k in s.sections)), [extra, extra, [], []]);
  const lb = out.sandboxes[0].sections;
  assert.match(lb['ipvsadm-lnc']!.output, /^IPVS connection entries\npro expire state/);
  assert.equal(lb['ipvsadm-lnc']!.command, `nsenter --net=${LB} ipvsadm -Lnc`);
  assert.equal(lb['ipvsadm-timeout']!.output, 'Timeout (tcp tcpfin udp): 900 120 300');
  assert.equal(lb['ipvsadm-timeout']!.command, `nsenter --net=${LB} ipvsadm -L --timeout`);
  assert.deepEqual(lb['ipvs-sysctls']!.output.split('\n'), [
    'net.ipv4.vs.conn_reuse_mode = 0',
    'net.ipv4.vs.expire_nodest_conn = 1',
    `net.ipv4.vs.expire_quiescent_template: cat: /proc/sys/net/ipv4/vs/expire_quiescent_template: No such file or directory`,
  ]);
  assert.equal(lb['ipvs-sysctls']!.exitCode, 1, 'one setting could not be read');
  assert.match(lb['ipvs-sysctls']!.command, /^nsenter --net=\S+ cat \/proc\/sys\/net\/ipv4\/vs\/conn_reuse_mode /);
});
