// Which Docker engine to talk to, resolved the way the docker CLI does it, so that Swarm Lens
// talks to the same engine as the user's terminal:
//   setting swarmLens.docker.host > setting swarmLens.docker.context > DOCKER_HOST
//   > DOCKER_CONTEXT > currentContext in config.json > the platform's default socket.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { compareText } from '../cluster/order';

export type EndpointSource = 'setting' | 'context setting' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'currentContext' | 'default';

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
  const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
  const tlsFiles = inputs.listDir(tlsDir);
  let tls: TlsFiles | undefined;
  if (tlsFiles.length > 0) {
    const file = (f: string) => (tlsFiles.includes(f) ? path.join(tlsDir, f) : undefined);
    tls = { ca: file('ca.pem'), cert: file('cert.pem'), key: file('key.pem'), verify: !meta.skipTlsVerify };
  }
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

function envTls(inputs: EndpointInputs): TlsFiles | undefined {
  const env = inputs.env;
  const verify = !!env.DOCKER_TLS_VERIFY;
  if (!verify && !env.DOCKER_TLS && !env.DOCKER_CERT_PATH) return undefined;
  const dir = env.DOCKER_CERT_PATH || dockerConfigDir(inputs);
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), verify };
}

/** Parses a docker host URL; the forms the docker CLI accepts, and nothing else. */
export function parseHost(host: string, context: string, source: EndpointSource, tls: TlsFiles | undefined): DockerEndpoint {
  const base = { host, context, source };
  const scheme = /^([a-z]+):\/\//i.exec(host)?.[1]?.toLowerCase();
  const what = source === 'setting' ? 'The setting swarmLens.docker.host' : source === 'DOCKER_HOST' ? 'DOCKER_HOST' : `Docker context "${context}"`;
  switch (scheme) {
    case 'unix': {
      const socketPath = host.slice('unix://'.length);
      if (!socketPath.startsWith('/')) throw new EndpointError(`${what} (${host}) needs an absolute socket path, like unix:///var/run/docker.sock.`);
      return { ...base, protocol: 'unix', socketPath };
    }
    case 'npipe':
      return { ...base, protocol: 'npipe', socketPath: host.slice('npipe://'.length) };
    case 'tcp':
    case 'http':
    case 'https':
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
      const useTls = scheme === 'https' || !!tls;
      const port = url.port ? Number(url.port) : useTls ? 2376 : 2375;
      return { ...base, protocol: 'tcp', hostname, port, tls: useTls ? (tls ?? { verify: false }) : undefined };
    }
    default:
      throw new EndpointError(`${what} (${host}) is not a Docker address: use unix:///path, tcp://HOST:PORT or ssh://USER@HOST.`);
  }
}
