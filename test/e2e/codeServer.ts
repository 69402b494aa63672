/**
 * code-server 4.100.3 (VS Code 1.100.3 workbench + Node extension host) for integration and UI
 * tests: install an extension, start a server on a free port, stop it with all its children.
 * The browser that drives it is in browser.ts, the extension-host test run in extensionTests.ts,
 * opening the workbench and gestures in workbench.ts. Install with scripts/install-code-server.sh.
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ComponentUnavailableError, codeServerBin } from './environment';
import { installExitHooks, liveGroups, liveTemps, sleep, startWatchdog, stopTree } from './processes';

// test/lab imports these from here.
export { REPO_ROOT } from './environment';
export { screenshot } from './browser';

export const CODE_SERVER_VERSION = '4.100.3';
/** env var (set on code-server, so every extension host has it) naming the per-run env JSON file */
export const EXTENSION_ENV_FILE_VAR = 'E2E_EXTENSION_ENV_FILE';

export interface StartOptions {
  /** fixed port; default: a free port chosen by the OS */
  port?: number;
  /** extra environment for code-server and therefore every extension host it starts */
  env?: Record<string, string>;
  /** default: a new temp folder (removed on stop) */
  extensionsDir?: string;
  /** default: a new temp folder (removed on stop) */
  userDataDir?: string;
  /**
   * written to <userDataDir>/User/settings.json, on top of DEFAULT_SETTINGS (no welcome page, no
   * update checks, ...). `null` writes nothing (keeps an existing settings.json as is).
   */
  settings?: Record<string, unknown> | null;
  /** readiness timeout, default 30 s */
  timeoutMs?: number;
  /** keep the temp folders after stop() (for debugging) */
  keepTemp?: boolean;
}

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234/ (with trailing slash) */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** environment used for code-server (XDG_* dirs included); reuse it for CLI calls */
  readonly env: NodeJS.ProcessEnv;
  /** JSON file the harness fills with per-run extension env (see ExtensionTestOptions.env) */
  readonly extensionEnvFile: string;
  /** code-server's stdout+stderr so far */
  logs(): string;
  /** serializes runExtensionTests calls on this server; returns the release function */
  acquireRunLock(): Promise<() => void>;
  /** kills code-server and all its children; removes temp folders; idempotent */
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and deterministic for tests. */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function isolatedEnv(tempRoot: string, extra?: Record<string, string>): NodeJS.ProcessEnv {
  const xdg = path.join(tempRoot, 'xdg');
  for (const d of ['config', 'data', 'cache']) fs.mkdirSync(path.join(xdg, d), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Never let the test runner's own Node options (e.g. --test, inspector) leak into code-server.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  delete env.VSCODE_IPC_HOOK_CLI;
  return {
    ...env,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    ...extra,
  };
}

function baseArgs(userDataDir: string, extensionsDir: string): string[] {
  return ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
}

/** Starts code-server on 127.0.0.1, waits until it answers /healthz. */
export async function startCodeServer(opts: StartOptions = {}): Promise<CodeServer> {
  const bin = codeServerBin();
  if (!fs.existsSync(bin)) {
    throw new ComponentUnavailableError('code-server', `code-server not installed at ${bin} (run scripts/install-code-server.sh)`);
  }
  installExitHooks();
  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-cs-'));
  const userDataDir = opts.userDataDir ?? path.join(tempRoot, 'user-data');
  const extensionsDir = opts.extensionsDir ?? path.join(tempRoot, 'extensions');
  fs.mkdirSync(userDataDir, { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  if (opts.settings !== null) {
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...DEFAULT_SETTINGS, ...opts.settings }, null, 2),
    );
  }
  const extensionEnvFile = path.join(tempRoot, 'extension-env.json');
  const env = isolatedEnv(tempRoot, { [EXTENSION_ENV_FILE_VAR]: extensionEnvFile, ...opts.env });
  if (!opts.keepTemp) liveTemps.add(tempRoot);
  const removeTemp = (): void => {
    if (opts.keepTemp) return;
    fs.rmSync(tempRoot, { recursive: true, force: true });
    liveTemps.delete(tempRoot);
  };

  const attempts = opts.port ? 1 : 3; // a free port can be taken between probe and bind
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      const server = await launchOnce(bin, port, userDataDir, extensionsDir, extensionEnvFile, env, opts.timeoutMs ?? 30_000, removeTemp, opts.keepTemp ? undefined : tempRoot);
      return server;
    } catch (err) {
      lastError = err as Error;
      if (!/EADDRINUSE/.test(lastError.message)) break;
    }
  }
  removeTemp();
  throw lastError;
}

async function launchOnce(
  bin: string,
  port: number,
  userDataDir: string,
  extensionsDir: string,
  extensionEnvFile: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  removeTemp: () => void,
  tempRoot: string | undefined,
): Promise<CodeServer> {
  const args = [
    ...baseArgs(userDataDir, extensionsDir),
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const child: ChildProcess = spawn(bin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!child.pid) {
    await new Promise((r) => child.once('error', r));
    throw new ComponentUnavailableError('code-server', `cannot spawn ${bin}`);
  }
  const pgid = child.pid;
  liveGroups.add(pgid);
  const watchdog = startWatchdog(pgid, tempRoot);
  const stopWatchdog = (): void => {
    if (watchdog?.pid && watchdog.exitCode === null) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  let out = '';
  const MAX = 4 * 1024 * 1024;
  const onData = (d: Buffer): void => {
    out += d.toString();
    if (out.length > MAX) out = out.slice(out.length - MAX / 2);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );

  let stopped: Promise<void> | undefined;
  let runQueue: Promise<void> = Promise.resolve();
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await stopTree(pgid);
      await Promise.race([exitPromise, sleep(1000)]);
      stopWatchdog();
      removeTemp();
    })());

  const url = `http://127.0.0.1:${port}/`;
  // Ready = the "HTTP server listening on" log line AND /healthz answering 200.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stopTree(pgid, 500);
      stopWatchdog();
      throw new ComponentUnavailableError(
        'code-server',
        `code-server exited early (code ${exited.code}, signal ${exited.signal}); output:\n${out.slice(-4000)}`,
      );
    }
    if (out.includes('HTTP server listening on') && (await httpStatus(`${url}healthz`)) === 200) break;
    if (Date.now() > deadline) {
      await stopTree(pgid, 500);
      stopWatchdog();
      throw new ComponentUnavailableError('code-server', `code-server not ready after ${timeoutMs} ms; output:\n${out.slice(-4000)}`);
    }
    await sleep(100);
  }
  return {
    url,
    port,
    pid: pgid,
    userDataDir,
    extensionsDir,
    env,
    extensionEnvFile,
    logs: () => out,
    acquireRunLock: () => {
      let release!: () => void;
      const next = new Promise<void>((r) => (release = r));
      const prev = runQueue;
      runQueue = prev.then(() => next);
      return prev.then(() => release);
    },
    stop,
  };
}

/** Runs `code-server --install-extension <vsix>` into the server's (or the given) extensions dir. Returns the CLI output. */
export async function installVsix(
  target: CodeServer | { extensionsDir: string; userDataDir: string },
  vsixPath: string,
  timeoutMs = 120_000,
): Promise<string> {
  const bin = codeServerBin();
  if (!fs.existsSync(bin)) throw new ComponentUnavailableError('code-server', `code-server not installed at ${bin}`);
  let tempRoot: string | undefined;
  let env: NodeJS.ProcessEnv;
  if ('env' in target && target.env) env = target.env;
  else {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-cs-cli-'));
    env = isolatedEnv(tempRoot);
  }
  fs.mkdirSync(target.extensionsDir, { recursive: true });
  fs.mkdirSync(target.userDataDir, { recursive: true });
  const args = [...baseArgs(target.userDataDir, target.extensionsDir), '--install-extension', path.resolve(vsixPath), '--force'];
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(bin, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (err) reject(new Error(`code-server --install-extension ${vsixPath} failed: ${err.message}\n${output}`));
        else if (/Failed Installing|not found|error/i.test(output) && !/successfully installed/i.test(output))
          reject(new Error(`code-server --install-extension ${vsixPath}: ${output}`));
        else resolve(output);
      });
    });
  } finally {
    if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Workbench URLs

/** A local path as the workbench names it (code-server serves this machine's files). */
export function remoteUri(server: CodeServer, absPath: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${path.resolve(absPath)}`;
}

/** http://127.0.0.1:PORT/?folder=<abs>&payload=<url-encoded JSON array of [key, value] pairs> */
export function workbenchUrl(server: CodeServer, folder?: string, payload?: [string, string][]): string {
  const q: string[] = [];
  if (folder) q.push(`folder=${encodeURIComponent(path.resolve(folder))}`);
  if (payload?.length) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return q.length ? `${server.url}?${q.join('&')}` : server.url;
}
