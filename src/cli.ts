#!/usr/bin/env node
// swarm-lens: the extension's engine from a terminal. Text for people, --json for tools.
// Exit codes: 0 done, 1 the cluster or the input could not be read, 2 usage or nothing recognised.
import * as fs from 'node:fs';
import { describeOwner } from './core/cluster/describe';
import { loadCluster } from './core/cluster/load';
import { Engine, EngineReader } from './core/docker/engine';
import { EndpointError, resolveEndpoint } from './core/docker/endpoint';
import { EngineError, toEngineError } from './core/docker/errors';
import { systemEndpointInputs } from './core/docker/system';
import { BundleError, parseBundle } from './core/bundle/bundle';
import { bundleEngine, bundleTraceContext, collectBundle } from './core/bundle/collect';
import { analyseDump, decodeDump, explainToText, foundAnything } from './core/explain';
import { ensureNodes, traceContainer, traceMesh, TraceContext, traceService } from './core/trace/run';
import { checkLoadBalancing } from './core/check/run';
import { checkToText, hasError } from './core/check/matrix';
import { reachCandidates, reachNodes } from './core/nodes/reach';
import { printable, terminalSafeJson } from './core/terminalText';
import { connectionLine, connectionsReport, connectionsUnread, traceConnections } from './core/trace/connectionRows';
import { traceToText } from './core/trace/text';
import { MAX_PROBE_CONNECTIONS } from './core/traffic/types';
import { DEFAULT_PROBE_COUNT, probeDistribution } from './core/traffic/run';
import { probeFailed, probeToText } from './core/traffic/text';
import type { Trace } from './core/trace/types';

const USAGE = `Usage: swarm-lens <command> [options]

  trace <service> [--from <container|task>]  DNS, VIP, mark, IPVS and backends of a service,
                                             read on the node where the source runs
  inspect <container|task>                   what a container's resolver and load balancers show
  mesh <port>[/tcp|/udp] [--node <node>]     the routing mesh of a published port on a node
  connections <service> [--from <task>]      which task answered: the IPVS connection table of
                                             the service's load balancers on the source's node
                                             (client task -> VIP:port -> backend task)
  probe <service> [--from <task>] [-n 100] [--port P] [--http]
        [--published P [--node N]]           SENDS TRAFFIC: N TCP connections (at most 1000) from
                                             a client to the service's VIP (dnsrr: to each
                                             lookup's answer; --published: from node N to its
                                             own published port P), counted per backend task
                                             from IPVS itself (exit 1 on a finding)
  check [service...]                         every reachable node's marks, IPVS pools, DNS and
                                             routing mesh against the control plane (exit 1 on
                                             an error finding)
  collect -o <file>                          save the API data and every reachable node's
                                             sandboxes (a snapshot)
  explain [file|-] [--verbose]               decode a pasted debugging walk offline (iptables,
                                             ipvsadm, dig/nslookup, docker network inspect -v,
                                             ip addr)
  ip <address>                               what a swarm address is

Options:
  --json               machine-readable output (a documented, versioned format)
  --host <docker host> engine address (default: DOCKER_HOST or the docker CLI's context)
  --node-host <node>=<docker host>
                       how to reach a node's own engine (repeatable); other nodes are found
                       through the docker contexts whose engine is that node
  --swarm-job          read the nodes reached no other way through a short-lived swarm job
                       (a one-run service pinned to the node, removed afterwards): the only
                       change Swarm Lens ever makes to a cluster, and only with this flag
  --snapshot <file>    answer from a saved snapshot instead of a live engine
  --helper-image <img> image for the helper container (default nicolaka/netshoot)
  --probe host|helper  how to enter namespaces (default: host when root on the node, else helper)
  --timeout <seconds>  per Docker call and per probe (default 30)
`;

interface Args {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
  lists: Map<string, string[]>;
}

const VALUE_FLAGS = new Set(['--from', '--host', '--snapshot', '--helper-image', '--timeout', '--probe', '-o', '--output', '--node', '-n', '--port', '--published']);
/** Flags that may repeat: each value is kept. */
const LIST_FLAGS = new Set(['--node-host']);

function parseArgs(argv: string[]): Args {
  // `swarm-lens --help` has no command: flags alone.
  const [command = '', ...rest] = argv[0]?.startsWith('-') ? ['', ...argv] : argv;
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (LIST_FLAGS.has(name)) {
      const value = inline ?? rest[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value.`);
      lists.set(name, [...(lists.get(name) ?? []), value]);
    } else if (VALUE_FLAGS.has(a)) {
      if (rest[i + 1] === undefined) throw new UsageError(`${a} needs a value.`);
      flags.set(a, rest[++i]);
    } else if (a.startsWith('--') && a.includes('=')) flags.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
    else if (a.startsWith('-') && a !== '-') flags.set(a, true);
    else positional.push(a);
  }
  return { command, positional, flags, lists };
}

/** `--node-host node2=ssh://me@node2` pairs; a pair without `=` is a usage error. */
function nodeHosts(args: Args): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const pair of args.lists.get('--node-host') ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new UsageError(`--node-host takes NODE=HOST, like node2=ssh://me@node2 (got "${pair}").`);
    pairs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return pairs;
}

class UsageError extends Error {}

/** Ctrl-C aborts the work in flight, so a helper container is removed before the CLI exits. */
const interrupted = new AbortController();
process.once('SIGINT', () => {
  interrupted.abort();
  process.stderr.write('swarm-lens: interrupted\n');
  setTimeout(() => process.exit(130), 5000).unref();
});

/** A file the user named could not be read: say which and why, not a Docker error. */
function readBytes(file: string): Buffer {
  try {
    return file === '-' ? fs.readFileSync(0) : fs.readFileSync(file);
  } catch (err) {
    throw new BundleError(`Cannot read ${file === '-' ? 'standard input' : file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
  }
}

function readText(file: string): string {
  return readBytes(file).toString('utf8');
}

/** Everything printed goes through here: cluster and pasted strings reach the terminal inert. */
function out(text: string, json = false): void {
  const safe = json ? terminalSafeJson(text) : printable(text);
  process.stdout.write(safe.endsWith('\n') ? safe : safe + '\n');
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const json = args.flags.has('--json');
  const timeoutMs = Number(args.flags.get('--timeout') ?? 30) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout takes a number of seconds.');
  const help = args.flags.has('--help') || args.flags.has('-h') || args.command === 'help';
  if (help || args.command === '') {
    out(USAGE);
    return help ? 0 : 2;
  }
  if (args.command === 'explain') return explain(args, json);
  if (!['trace', 'inspect', 'mesh', 'collect', 'ip', 'check', 'connections', 'probe'].includes(args.command)) throw new UsageError(`Unknown command "${args.command}".`);
  const mapped = nodeHosts(args);
  const meshPort = args.command === 'mesh' ? parsePortArg(need(args, 'a port')) : undefined;

  const helperImage = String(args.flags.get('--helper-image') ?? process.env.SWARM_LENS_HELPER_IMAGE ?? 'nicolaka/netshoot');
  const probeFlag = args.flags.get('--probe');
  if (probeFlag !== undefined && probeFlag !== 'host' && probeFlag !== 'helper') throw new UsageError('--probe takes host or helper.');
  const options = { timeoutMs, helperImage, recheckDelayMs: 3000, probe: probeFlag as 'host' | 'helper' | undefined };
  const bundleFile = args.flags.get('--snapshot');
  const bundle = typeof bundleFile === 'string' ? parseBundle(readText(bundleFile)) : undefined;
  let engine: EngineReader;
  if (bundle) {
    engine = bundleEngine(bundle);
  } else {
    // --host goes first but keeps DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, like `docker -H`.
    const host = args.flags.get('--host');
    engine = new Engine(resolveEndpoint(systemEndpointInputs({ hostFlag: typeof host === 'string' ? host : undefined })), { timeoutMs });
  }
  const traceContext = async (): Promise<TraceContext> => {
    if (bundle) return bundleTraceContext(bundle, options);
    const cluster = await loadCluster(engine, interrupted.signal);
    // Other nodes' engines are looked for only when a command needs one (asking contexts takes a moment).
    const reach = () =>
      reachNodes(cluster, engine, reachCandidates(systemEndpointInputs(), mapped), { timeoutMs: Math.min(timeoutMs, 5000), engineFor: (endpoint) => new Engine(endpoint, { timeoutMs }), swarmJobs: args.flags.has('--swarm-job') }, interrupted.signal);
    return { cluster, engine, options, reach };
  };

  switch (args.command) {
    case 'collect': {
      const file = args.flags.get('-o') ?? args.flags.get('--output');
      if (typeof file !== 'string') throw new UsageError('collect needs -o <file>.');
      // collect reads this node live; a snapshot file's names and paths must never drive that probe.
      if (engine.kind === 'offline') throw new UsageError('collect reads the live engine: run it without --snapshot.');
      const ctx = await traceContext();
      await ensureNodes(ctx);
      const bundle = await collectBundle(engine, options, interrupted.signal, ctx.nodes);
      try {
        fs.writeFileSync(file, JSON.stringify(bundle, null, 1) + '\n');
      } catch (err) {
        throw new BundleError(`Cannot write ${file}: ${(err as Error).message}.`);
      }
      const sandboxes = bundle.nodes.reduce((n, d) => n + d.output.sandboxes.length, 0);
      out(json ? JSON.stringify({ file, sandboxes, takenAt: bundle.takenAt }) : `Saved ${file}: API data of ${bundle.cluster} and ${sandboxes} sandboxes of ${bundle.nodes.map((n) => n.node).join(', ') || 'no node'} (${bundle.nodes[0]?.probe ?? 'no'} probe).`, json);
      return 0;
    }
    case 'ip': {
      const { cluster } = await traceContext();
      const ip = need(args, 'an IPv4 address');
      const owners = cluster.ownersOf(ip);
      if (json) out(JSON.stringify({ address: ip, owners: owners.map((o) => ({ kind: o.kind, text: describeOwner(cluster, o) })) }, null, 2), true);
      else out(owners.length ? owners.map((o) => `${ip}: ${describeOwner(cluster, o)}`).join('\n') : `${ip} is not an address of this swarm.`);
      return owners.length ? 0 : 1;
    }
    case 'trace':
    case 'inspect':
    case 'mesh': {
      const ctx = { ...(await traceContext()), signal: interrupted.signal };
      let trace: Trace;
      if (args.command === 'trace') {
        const from = args.flags.get('--from');
        trace = await traceService(ctx, need(args, 'a service name'), typeof from === 'string' ? from : undefined);
      } else if (args.command === 'inspect') {
        trace = await traceContainer(ctx, need(args, 'a container or task'));
      } else {
        const node = args.flags.get('--node');
        trace = await traceMesh(ctx, meshPort!.port, meshPort!.protocol, typeof node === 'string' ? node : undefined);
      }
      out(json ? JSON.stringify(trace, null, 2) : traceToText(trace), json);
      return 0;
    }
    case 'connections': {
      const service = need(args, 'a service name');
      const ctx = { ...(await traceContext()), signal: interrupted.signal };
      const from = args.flags.get('--from');
      const trace = await traceService(ctx, service, typeof from === 'string' ? from : undefined);
      // No table read at all (no IPVS, dnsrr, a sandbox not entered) is not "no connections".
      const unread = connectionsUnread(trace);
      if (unread) throw new EngineError('api', unread, 'no connection table');
      const rows = traceConnections(trace);
      if (json) out(JSON.stringify(connectionsReport(trace), null, 2), true);
      else out(rows.length ? rows.map(connectionLine).join('\n') : `No connection to ${trace.service?.name} in the IPVS connection table on ${trace.node}.`);
      return 0;
    }
    case 'probe': {
      const service = need(args, 'a service name');
      const number = (flag: string, min: number, max: number) => {
        const v = args.flags.get(flag);
        if (v === undefined) return undefined;
        if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}.`);
        return Number(v);
      };
      const published = number('--published', 1, 65535);
      const node = args.flags.get('--node');
      const from = args.flags.get('--from');
      const ctx = { ...(await traceContext()), signal: interrupted.signal };
      const report = await probeDistribution(ctx, service, {
        count: number('-n', 1, MAX_PROBE_CONNECTIONS) ?? DEFAULT_PROBE_COUNT,
        port: number('--port', 1, 65535),
        from: typeof from === 'string' ? from : undefined,
        http: args.flags.has('--http'),
        ...(published ? { published: { port: published, node: typeof node === 'string' ? node : undefined } } : {}),
      });
      out(json ? JSON.stringify(report, null, 2) : probeToText(report), json);
      return probeFailed(report) ? 1 : 0;
    }
    case 'check': {
      // No manager to read the control plane from: the check cannot start (exit 2, not a finding).
      const ctx = await traceContext().catch((err: unknown) => {
        if (err instanceof BundleError || err instanceof EndpointError) throw err;
        throw Object.assign(toEngineError(err, undefined, 'check'), { exitCode: 2 });
      });
      const report = await checkLoadBalancing({ ...ctx, signal: interrupted.signal }, args.positional);
      out(json ? JSON.stringify(report, null, 2) : checkToText(report), json);
      return hasError(report) ? 1 : 0;
    }
    default:
      throw new UsageError(`Unknown command "${args.command}".`);
  }
}

function parsePortArg(text: string): { port: number; protocol: string } {
  const [port, protocol = 'tcp'] = text.split('/');
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535 || !['tcp', 'udp', 'sctp'].includes(protocol)) throw new UsageError('mesh takes a port like 8080 or 53/udp.');
  return { port: Number(port), protocol };
}

function need(args: Args, what: string): string {
  const value = args.positional[0];
  if (!value) throw new UsageError(`${args.command} needs ${what}.`);
  return value;
}

const EXPLAIN_READS = 'iptables-save or iptables -nvL, ipvsadm -Ln or -S, /proc/net/ip_vs, dig, nslookup, docker network inspect --verbose, ip addr';

function explain(args: Args, json: boolean): number {
  const file = args.positional[0] ?? '-';
  // Bytes, not utf8: PowerShell's > writes UTF-16, which decodeDump recognises and reports.
  const decoded = decodeDump(readBytes(file));
  // Any recognised block counts (a nat-only dump, an empty IPVS table), not only marks and pools.
  const analysis = analyseDump(decoded.text);
  analysis.explain.warnings.unshift(...decoded.warnings);
  if (!foundAnything(analysis)) {
    const why = analysis.explain.warnings.find((w) => w.code === 'json-unreadable' || w.code === 'encoding');
    const hint = why !== undefined ? ` ${why.message}` : ' Paste the output of e.g. `iptables-save; ipvsadm -Ln` run in the sandbox.';
    process.stderr.write(`swarm-lens explain: found nothing it reads (${EXPLAIN_READS}) in the input.${hint}\n`);
    return 2;
  }
  out(json ? JSON.stringify(analysis.explain, null, 2) : explainToText(analysis, args.flags.has('--verbose')), json);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Never a stack trace: one sentence, and the details only when asked for.
    if (err instanceof UsageError) {
      process.stderr.write(`swarm-lens: ${printable(err.message)}\n\n${USAGE}`);
      process.exit(2);
    }
    const message = err instanceof EndpointError || err instanceof BundleError ? err.message : err instanceof EngineError ? err.message : toEngineError(err, undefined, 'swarm-lens').message;
    process.stderr.write(`swarm-lens: ${printable(message)}\n`);
    if (process.env.SWARM_LENS_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
    process.exit((err as { exitCode?: unknown })?.exitCode === 2 ? 2 : 1);
  },
);
