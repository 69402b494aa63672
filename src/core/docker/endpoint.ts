// Which Docker engine to talk to, resolved the way the docker CLI does it, so that Swarm Lens
// talks to the same engine as the user's terminal:
//   the CLI's --host > setting swarmLens.docker.host > setting swarmLens.docker.context
//   > DOCKER_HOST > DOCKER_CONTEXT > currentContext in config.json > the default socket.
// TLS too: DOCKER_TLS_VERIFY / DOCKER_TLS with DOCKER_CERT_PATH apply to every host given
// directly (like `docker -H`), a context brings its own; a named certificate that is missing
// is an error, never skipped.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { compareText } from '../cluster/order';

export type EndpointSource = '--host' | 'setting' | 'context setting' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'currentContext' | 'default' | 'node setting' | 'node context';

/** Certificate files that exist (checked at resolution); cert and key come as a pair or not at all. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  /** Verify the server certificate against `ca` (DOCKER_TLS_VERIFY, or a context without SkipTLSVerify). */
  verify: boolean;
}

export interface DockerEndpoint {
  /** The host as the docker CLI writes it: unix:///var/run/docker.sock, tcp://10.0.0.5:2376, ssh://me@node1. */
  host: string;
  protocol: 'unix' | 'npipe' | 'tcp' | 'ssh';
  socketPath?: string;
  hostname?: string;
  port?: number;
  username?: string;
  tls?: TlsFiles;
  /** Docker context name; `default` when the endpoint does not come from a named context. */
  context: string;
  source: EndpointSource;
}

export interface ContextInfo {
  name: string;
  description: string;
  host: string;
  current: boolean;
}

/** What resolution reads: injected so tests need no real home folder. */
export interface EndpointInputs {
  /** The CLI's --host: first, like `docker -H`. */
  hostFlag?: string;
  hostSetting?: string;
  contextSetting?: string;
  env: Record<string, string | undefined>;
  homeDir: string;
  platform: NodeJS.Platform;
  readFile(file: string): string | undefined;
  listDir(dir: string): string[];
}

export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

export function dockerConfigDir(inputs: Pick<EndpointInputs, 'env' | 'homeDir'>): string {
  return inputs.env.DOCKER_CONFIG || path.join(inputs.homeDir, '.docker');
}

export function defaultHost(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';
}

export function resolveEndpoint(inputs: EndpointInputs): DockerEndpoint {
  const env = inputs.env;
  if (inputs.hostFlag?.trim()) {
    return parseHost(inputs.hostFlag.trim(), 'default', '--host', envTls(inputs));
  }
  if (inputs.hostSetting?.trim()) {
    return parseHost(inputs.hostSetting.trim(), 'default', 'setting', envTls(inputs));
  }
  if (inputs.contextSetting?.trim()) {
    return fromContext(inputs, inputs.contextSetting.trim(), 'context setting');
  }
  if (env.DOCKER_HOST?.trim()) {
    return parseHost(env.DOCKER_HOST.trim(), 'default', 'DOCKER_HOST', envTls(inputs));
  }
  if (env.DOCKER_CONTEXT?.trim()) {
    return fromContext(inputs, env.DOCKER_CONTEXT.trim(), 'DOCKER_CONTEXT');
  }
  const current = currentContextName(inputs);
  if (current && current !== 'default') {
    return fromContext(inputs, current, 'currentContext');
  }
  return parseHost(defaultHost(inputs.platform), 'default', 'default', undefined);
}

/** The contexts `docker context ls` would list, `default` first. */
export function listContexts(inputs: EndpointInputs): ContextInfo[] {
  const current = currentContextName(inputs) || 'default';
  const contexts: ContextInfo[] = [
    {
      name: 'default',
      description: 'Current DOCKER_HOST based configuration',
      host: inputs.env.DOCKER_HOST?.trim() || defaultHost(inputs.platform),
      current: current === 'default',
    },
  ];
  const metaDir = path.join(dockerConfigDir(inputs), 'contexts', 'meta');
  for (const entry of inputs.listDir(metaDir)) {
    const meta = readMeta(inputs, path.join(metaDir, entry, 'meta.json'));
    if (!meta || meta.name === 'default') continue;
    contexts.push({ name: meta.name, description: meta.description, host: meta.host ?? '', current: meta.name === current });
  }
  return contexts.sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : compareText(a.name, b.name)));
}

function currentContextName(inputs: EndpointInputs): string | undefined {
  const text = inputs.readFile(path.join(dockerConfigDir(inputs), 'config.json'));
  if (!text) return undefined;
  try {
    const config = JSON.parse(text) as { currentContext?: unknown };
    return typeof config.currentContext === 'string' && config.currentContext ? config.currentContext : undefined;
  } catch {
    throw new EndpointError(`${path.join(dockerConfigDir(inputs), 'config.json')} is not valid JSON: fix or remove it, or set DOCKER_HOST.`);
  }
}

/** A node's address from swarmLens.nodes or --node-host; TLS from the environment, like `docker -H`. */
export function nodeHostEndpoint(inputs: EndpointInputs, host: string): DockerEndpoint {
  return parseHost(host.trim(), 'default', 'node setting', envTls(inputs));
}

/** A named context's endpoint, to reach the node it runs on (see core/nodes/reach.ts). */
export function contextEndpoint(inputs: EndpointInputs, name: string): DockerEndpoint {
  return fromContext(inputs, name, 'node context');
}

function fromContext(inputs: EndpointInputs, name: string, source: EndpointSource): DockerEndpoint {
  if (name === 'default') {
    const host = inputs.env.DOCKER_HOST?.trim() || defaultHost(inputs.platform);
    return parseHost(host, 'default', source, envTls(inputs));
  }
  // The docker CLI stores a context under the SHA-256 of its name.
  const id = crypto.createHash('sha256').update(name).digest('hex');
  const configDir = dockerConfigDir(inputs);
  const meta = readMeta(inputs, path.join(configDir, 'contexts', 'meta', id, 'meta.json'));
  if (!meta) {
    throw new EndpointError(`Docker context "${name}" does not exist: run "docker context ls" and pick one that does.`);
  }
  if (!meta.host) {
    throw new EndpointError(`Docker context "${name}" has no Docker endpoint: run "docker context inspect ${name}".`);
  }
  // Like the docker CLI: TLS when the context stores TLS material or skips verification.
  const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
  const stored = inputs.listDir(tlsDir).filter((f) => ['ca.pem', 'cert.pem', 'key.pem'].includes(f));
  // Verification without a stored CA uses the system's CAs, as docker does.
  const fix = `update the context ("docker context update ${name} --docker ...")`;
  const tls = stored.length > 0 || meta.skipTlsVerify ? tlsFiles(inputs, tlsDir, !meta.skipTlsVerify, false, fix) : undefined;
  return parseHost(meta.host, name, source, tls);
}

interface ContextMeta {
  name: string;
  description: string;
  host?: string;
  skipTlsVerify: boolean;
}

function readMeta(inputs: EndpointInputs, file: string): ContextMeta | undefined {
  const text = inputs.readFile(file);
  if (!text) return undefined;
  try {
    const meta = JSON.parse(text) as {
      Name?: unknown;
      Metadata?: { Description?: unknown };
      Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
    };
    if (typeof meta.Name !== 'string') return undefined;
    const docker = meta.Endpoints?.docker;
    return {
      name: meta.Name,
      description: typeof meta.Metadata?.Description === 'string' ? meta.Metadata.Description : '',
      host: typeof docker?.Host === 'string' ? docker.Host : undefined,
      skipTlsVerify: docker?.SkipTLSVerify === true,
    };
  } catch {
    return undefined; // A broken context file must not hide the others.
  }
}

/** The docker CLI's environment: DOCKER_TLS_VERIFY (TLS, verified) or DOCKER_TLS (TLS only), files from DOCKER_CERT_PATH. */
function envTls(inputs: EndpointInputs): TlsFiles | undefined {
  const env = inputs.env;
  const verify = !!env.DOCKER_TLS_VERIFY;
  if (!verify && !env.DOCKER_TLS) return undefined;
  // Like the docker CLI, verifying needs ca.pem from this folder; it never falls back to the system's CAs.
  return tlsFiles(inputs, env.DOCKER_CERT_PATH || dockerConfigDir(inputs), verify, verify, 'set DOCKER_CERT_PATH to the folder that holds ca.pem, cert.pem and key.pem');
}

/**
 * The certificate files of a folder. A missing one fails here in one sentence, so TLS never
 * silently runs with less than the user set up: ca.pem when `caRequired`, and cert.pem and
 * key.pem as a pair (one without the other is a mistake, not "no client certificate").
 */
function tlsFiles(inputs: EndpointInputs, dir: string, verify: boolean, caRequired: boolean, fix: string): TlsFiles {
  const present = new Set(inputs.listDir(dir));
  const file = (name: string) => (present.has(name) ? path.join(dir, name) : undefined);
  const [ca, cert, key] = [file('ca.pem'), file('cert.pem'), file('key.pem')];
  if (caRequired && !ca) throw new EndpointError(`TLS verification needs ${path.join(dir, 'ca.pem')}, which does not exist: put the CA certificate there, or ${fix}.`);
  if (!cert !== !key) {
    const [missing, found] = cert ? ['key.pem', 'cert.pem'] : ['cert.pem', 'key.pem'];
    throw new EndpointError(`${path.join(dir, missing)} does not exist but ${found} does: a client certificate needs both files; add the missing one, or ${fix}.`);
  }
  return { ...(verify && ca ? { ca } : {}), ...(cert ? { cert, key } : {}), verify };
}

/** Parses a docker host URL; the forms the docker CLI accepts, and nothing else. */
export function parseHost(host: string, context: string, source: EndpointSource, tls: TlsFiles | undefined): DockerEndpoint {
  const base = { host, context, source };
  const scheme = /^([a-z]+):\/\//i.exec(host)?.[1]?.toLowerCase();
  const what = source === '--host' ? 'The --host option' : source === 'setting' ? 'The setting swarmLens.docker.host' : source === 'DOCKER_HOST' ? 'DOCKER_HOST' : source === 'node setting' ? 'The node address in swarmLens.nodes or --node-host' : `Docker context "${context}"`;
  switch (scheme) {
    case 'unix': {
      const socketPath = host.slice('unix://'.length);
      if (!socketPath.startsWith('/')) throw new EndpointError(`${what} (${host}) needs an absolute socket path, like unix:///var/run/docker.sock.`);
      return { ...base, protocol: 'unix', socketPath };
    }
    case 'npipe':
      return { ...base, protocol: 'npipe', socketPath: host.slice('npipe://'.length) };
    case 'http':
    case 'https':
      // The docker CLI refuses these too; an https:// that meant "TLS, not verified" must not pass.
      throw new EndpointError(`${what} (${host}) is not a Docker address: use tcp://HOST:2376 with DOCKER_TLS_VERIFY=1 for TLS, or ssh://USER@HOST.`);
    case 'tcp':
    case 'ssh': {
      let url: URL;
      try {
        url = new URL(host);
      } catch {
        throw new EndpointError(`${what} (${host}) is not a valid address: use tcp://HOST:PORT or ssh://USER@HOST.`);
      }
      if (!url.hostname) throw new EndpointError(`${what} (${host}) has no host name: use tcp://HOST:PORT or ssh://USER@HOST.`);
      const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
      if (scheme === 'ssh') {
        return { ...base, protocol: 'ssh', hostname, port: url.port ? Number(url.port) : 22, username: decodeURIComponent(url.username) || undefined };
      }
      const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
      return { ...base, protocol: 'tcp', hostname, port, tls };
    }
    default:
      throw new EndpointError(`${what} (${host}) is not a Docker address: use unix:///path, tcp://HOST:PORT or ssh://USER@HOST.`);
  }
}
