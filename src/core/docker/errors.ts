// Every failure a user can meet talking to Docker becomes one plain sentence with what to do;
// the technical detail goes to the log.
import type { DockerEndpoint } from './endpoint';

export type EngineErrorKind =
  | 'config' // the endpoint itself is wrong (bad DOCKER_HOST, missing context)
  | 'no-socket' // ENOENT: nothing at the socket path
  | 'refused' // ECONNREFUSED: nothing listening
  | 'permission' // EACCES: socket not readable
  | 'unreachable' // DNS or routing failures
  | 'tls' // certificate problems
  | 'timeout'
  | 'cancelled'
  | 'not-swarm' // engine is not in swarm mode
  | 'not-manager' // swarm worker: cannot list services
  | 'bad-response' // the engine answered something we cannot read
  | 'api'; // any other Engine API error

export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    /** One sentence for a person: what is wrong and what to do. */
    message: string,
    /** What happened technically, for the log. */
    readonly detail: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

interface ErrorLike {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  name?: unknown;
  json?: unknown;
}

/** Turns whatever node, the Engine API or our own code threw into an EngineError. */
export function toEngineError(err: unknown, endpoint: DockerEndpoint | undefined, what: string): EngineError {
  if (err instanceof EngineError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const detail = `${what}: ${code ? code + ' ' : ''}${typeof e.statusCode === 'number' ? `HTTP ${e.statusCode} ` : ''}${message}`;
  const where = endpoint ? endpoint.host : 'the Docker engine';
  const socket = endpoint?.socketPath ?? where;

  if (e.name === 'AbortError' || code === 'ABORT_ERR') {
    return new EngineError('cancelled', 'Cancelled.', detail);
  }
  switch (code) {
    case 'ENOENT':
      return new EngineError('no-socket', `No Docker engine at ${socket}: start Docker, or choose another engine (a Docker context or DOCKER_HOST).`, detail);
    case 'ECONNREFUSED':
      return new EngineError('refused', `Docker at ${where} refused the connection: start the Docker daemon, or choose another engine (a Docker context or DOCKER_HOST).`, detail);
    case 'EACCES':
    case 'EPERM':
      return new EngineError('permission', `No permission to use ${socket}: add your user to the "docker" group (then log in again), or use a context that you may reach.`, detail);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new EngineError('unreachable', `Cannot reach ${where}: check the host name and the network, or choose another engine (a Docker context or DOCKER_HOST).`, detail);
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return timeoutError(where, detail);
    case 'ECONNRESET':
    case 'EPIPE':
      return new EngineError('refused', `Docker at ${where} closed the connection: start the Docker daemon if it stopped, and check that the address speaks the Docker API.`, detail);
  }
  if (/certificate|self[- ]signed|SSL|TLS/i.test(code + ' ' + message)) {
    return new EngineError('tls', `The TLS connection to ${where} failed: check DOCKER_CERT_PATH or the context's certificates.`, detail);
  }
  if (/timeout|timed out/i.test(message) || e.name === 'TimeoutError') {
    return timeoutError(where, detail);
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const serverSays = (e.json && typeof (e.json as { message?: unknown }).message === 'string' ? (e.json as { message: string }).message : message) || '';
  if (/not a swarm manager/i.test(serverSays)) {
    return new EngineError('not-manager', `${where} is a swarm worker: connect to a manager node (its Docker context or DOCKER_HOST) to see the services.`, detail);
  }
  if (/not part of a swarm|swarm init|not in swarm mode/i.test(serverSays)) {
    return notSwarmError(where, detail);
  }
  if (status !== undefined) {
    return new EngineError('api', `Docker answered ${what} with an error (HTTP ${status}): ${firstSentence(serverSays)}`, detail);
  }
  return new EngineError('api', `Talking to Docker failed (${what}): ${firstSentence(message)}. See the Swarm Lens log for details.`, detail);
}

export function timeoutError(where: string, detail: string): EngineError {
  return new EngineError('timeout', `Docker at ${where} did not answer in time: check that it is running and reachable, or raise swarmLens.docker.timeoutSeconds.`, detail);
}

export function notSwarmError(where: string, detail: string): EngineError {
  return new EngineError('not-swarm', `The engine at ${where} is not in swarm mode: run "docker swarm init" or "docker swarm join", or choose a swarm manager (a Docker context or DOCKER_HOST).`, detail);
}

export function badResponse(what: string, problem: string): EngineError {
  return new EngineError('bad-response', `Docker's answer to ${what} could not be read (${problem}): check that the address is a Docker engine; details are in the Swarm Lens log.`, `${what}: ${problem}`);
}

function firstSentence(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}
