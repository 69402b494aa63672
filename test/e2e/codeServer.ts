/**
 * A real VS Code for integration and UI tests: code-server 4.100.3 (VS Code 1.100.3 workbench +
 * Node extension host) driven by Debian's chromium through playwright-core.
 * See /work/shared/ENVIRONMENT.md, "A real VS Code". Install with scripts/install-code-server.sh.
 *
 * Every process started here (code-server and its children, chromium) is tracked and killed on
 * stop()/close(), on timeout, and as a last resort when this Node process exits or gets
 * SIGINT/SIGTERM. Temp folders are removed on stop().
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import type { Browser, BrowserContext, ConsoleMessage, Locator, Page } from 'playwright-core';

export const CODE_SERVER_VERSION = '4.100.3';
/** env var (set on code-server, so every extension host has it) naming the per-run env JSON file */
export const EXTENSION_ENV_FILE_VAR = 'E2E_EXTENSION_ENV_FILE';
export const REPO_ROOT = findRepoRoot(__dirname);
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');

/** Thrown when code-server or chromium is not installed / cannot start. */
export class ComponentUnavailableError extends Error {
  constructor(
    readonly component: 'code-server' | 'chromium',
    message: string,
  ) {
    super(message);
    this.name = 'ComponentUnavailableError';
  }
}

function findRepoRoot(start: string): string {
  // out/test/e2e -> repo root; also works when run from test/e2e via ts-node.
  let dir = start;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'scripts'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(start, '../../..');
}

/** Path of the code-server launcher: $CODE_SERVER_BIN, else <CODE_SERVER_DIR or .cache/code-server>/node_modules/.bin/code-server. */
export function codeServerBin(): string {
  if (process.env.CODE_SERVER_BIN) return process.env.CODE_SERVER_BIN;
  const dir = process.env.CODE_SERVER_DIR || path.join(REPO_ROOT, '.cache', 'code-server');
  return path.join(dir, 'node_modules', '.bin', 'code-server');
}

/** Path of chromium: $CHROMIUM_PATH, else /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** Returns what is missing to run these tests ([] when both are installed). Cheap: only checks files. */
export function missingComponents(): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(codeServerBin())) missing.push(`code-server (${codeServerBin()}; run scripts/install-code-server.sh)`);
  if (!fs.existsSync(chromiumPath())) missing.push(`chromium (${chromiumPath()}; apt-get install chromium)`);
  return missing;
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: kill everything we started, whatever happens.

const liveGroups = new Set<number>(); // process-group ids (= pid of a detached child)
const liveBrowsers = new Set<Browser>();
const liveTemps = new Set<string>(); // temp folders to remove if the process exits early
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killTree(pgid, 'SIGKILL');
    for (const dir of liveTemps) fs.rmSync(dir, { recursive: true, force: true });
    // chromium: playwright kills it on exit itself (handleSIGINT/SIGTERM/SIGHUP + exit hook).
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      for (const pgid of liveGroups) killTree(pgid, 'SIGKILL');
      liveGroups.clear();
      process.removeListener(sig, handler);
      if (process.listenerCount(sig) === 0) {
        process.kill(process.pid, sig); // default action: terminate
      } else {
        // Someone else handles it too (playwright closes its browsers on SIGTERM/SIGHUP but does
        // not exit): give them a moment, then terminate as the signal intended.
        setTimeout(() => process.exit(128 + (os.constants.signals[sig] ?? 15)), 2000);
      }
    };
    process.on(sig, handler);
  }
}

/** All descendants of pid (from /proc), deepest last. Linux only; [] elsewhere. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      /* process went away */
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals a detached child's process group and every descendant (some escape the group via setsid, e.g. terminals). */
function killTree(pgid: number, signal: NodeJS.Signals): void {
  const pids = [pgid, ...descendants(pgid)];
  try {
    process.kill(-pgid, signal);
  } catch {
    /* group gone */
  }
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      /* gone */
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A tiny detached process that outlives us if we are SIGKILLed: when its parent (this process)
 * is gone it kills the process group `pgid` and removes `tempDir`. Exits by itself once the
 * group is gone. Without it, an orphaned code-server child (e.g. its file watcher) can linger.
 */
const WATCHDOG_SCRIPT = `
const [parent, pgid, tempDir] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3]];
const groupAlive = () => { try { process.kill(-pgid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const kill = (sig) => { try { process.kill(-pgid, sig); } catch {} };
const timer = setInterval(() => {
  if (!groupAlive()) process.exit(0);
  if (process.ppid !== parent) {
    clearInterval(timer);
    kill('SIGTERM');
    setTimeout(() => {
      kill('SIGKILL');
      if (tempDir) { try { require('fs').rmSync(tempDir, { recursive: true, force: true }); } catch {} }
      process.exit(0);
    }, 2000);
  }
}, 1000);
`;

function startWatchdog(pgid: number, tempDir: string | undefined): ChildProcess | undefined {
  try {
    const wd = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT, String(process.pid), String(pgid), tempDir ?? ''], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '' },
    });
    wd.unref();
    return wd;
  } catch {
    return undefined;
  }
}

async function stopTree(pgid: number, graceMs = 3000): Promise<void> {
  const tracked = [pgid, ...descendants(pgid)];
  killTree(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tracked.some(alive)) await sleep(50);
  if (tracked.some(alive)) {
    killTree(pgid, 'SIGKILL');
    for (const p of tracked) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const hard = Date.now() + 2000;
    while (Date.now() < hard && tracked.some(alive)) await sleep(50);
  }
  liveGroups.delete(pgid);
}

// ---------------------------------------------------------------------------------------------
// code-server

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
// Browser

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Debian's chromium via playwright-core. Playwright gives every launch() a fresh
 * temporary profile (it rejects an explicit --user-data-dir; use launchPersistentContext for that)
 * and deletes it on close(). Close it with browser.close().
 */
export async function launchBrowser(): Promise<Browser> {
  const exe = chromiumPath();
  if (!fs.existsSync(exe)) throw new ComponentUnavailableError('chromium', `chromium not found at ${exe} (apt-get install chromium)`);
  installExitHooks();
  const { chromium } = await import('playwright-core');
  // chromium writes its crashpad database under $XDG_CONFIG_HOME/chromium: keep it in a temp folder.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-chromium-'));
  liveTemps.add(home);
  const cleanup = (): void => {
    fs.rmSync(home, { recursive: true, force: true });
    liveTemps.delete(home);
  };
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: exe,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
    });
  } catch (err) {
    cleanup();
    throw new ComponentUnavailableError('chromium', `chromium failed to start: ${(err as Error).message.split('\n')[0]}`);
  }
  liveBrowsers.add(browser);
  browser.on('disconnected', () => {
    liveBrowsers.delete(browser);
    cleanup();
  });
  return browser;
}

/** Closes every browser launched here that is still open. */
export async function closeAllBrowsers(): Promise<void> {
  await Promise.all([...liveBrowsers].map((b) => b.close().catch(() => undefined)));
}

// ---------------------------------------------------------------------------------------------
// Workbench URLs

function remoteUri(server: CodeServer, absPath: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${path.resolve(absPath)}`;
}

/** http://127.0.0.1:PORT/?folder=<abs>&payload=<url-encoded JSON array of [key, value] pairs> */
export function workbenchUrl(server: CodeServer, folder?: string, payload?: [string, string][]): string {
  const q: string[] = [];
  if (folder) q.push(`folder=${encodeURIComponent(path.resolve(folder))}`);
  if (payload?.length) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return q.length ? `${server.url}?${q.join('&')}` : server.url;
}

const PLACEHOLDER = /%[sdifjoOc]/g;

/**
 * Turns a browser console message back into the text the extension host printed.
 * The workbench logs forwarded extension-host output as console.log('%c INFO', 'color: #33f',
 * <original format string>, ...<original args>): msg.text() would leave mocha's "%s" unexpanded,
 * so format in two steps with Node's util.format (which drops %c and its CSS argument).
 */
async function formatConsoleMessage(msg: ConsoleMessage): Promise<string> {
  let values: unknown[];
  try {
    values = await Promise.all(msg.args().map((a) => a.jsonValue()));
  } catch {
    return msg.text();
  }
  if (!values.length) return msg.text();
  const first = values[0];
  if (typeof first !== 'string' || !first.includes('%c')) return util.format(...values);
  const n = (first.replace(/%%/g, '').match(PLACEHOLDER) ?? []).length;
  const head = util.format(first, ...values.slice(1, 1 + n)).trim();
  const rest = values.slice(1 + n);
  return rest.length ? `${head} ${util.format(...rest)}` : head;
}

/** Collects console messages in arrival order (formatting is async). */
function consoleCollector(onLine?: (line: string) => void): { lines: string[]; attach(page: Page): void; flush(): Promise<void> } {
  const lines: string[] = [];
  let chain: Promise<void> = Promise.resolve();
  const add = (p: Promise<string> | string): void => {
    chain = chain.then(async () => {
      const line = await p;
      lines.push(line);
      onLine?.(line);
    });
  };
  return {
    lines,
    attach(page: Page) {
      page.on('console', (m) => add(formatConsoleMessage(m).catch(() => m.text())));
      page.on('pageerror', (e) => add(`[pageerror] ${e.message}`));
      page.on('crash', () => add('[page crashed]'));
    },
    flush: () => chain,
  };
}

// ---------------------------------------------------------------------------------------------
// Extension tests (mocha in the extension host)

export interface ExtensionTestOptions {
  server: CodeServer;
  /** folder with the extension's package.json (loaded as a development extension) */
  extensionDevelopmentPath: string;
  /** compiled JS module exporting run(): Promise<void> (e.g. out/test/integration/index.js) */
  extensionTestsPath: string;
  /** folder opened in the workbench; default: an empty temp folder */
  workspaceFolder?: string;
  /**
   * extra environment for this run. The web workbench ignores the "extensionEnvironment" payload
   * key, so it travels through a file (CodeServer.extensionEnvFile) that test/integration/index.ts
   * merges into process.env before loading the test files. Code that runs earlier (an extension
   * activated at startup) does not see it: pass such variables to startCodeServer({ env }).
   */
  env?: Record<string, string>;
  /** whole run, default 180 s */
  timeoutMs?: number;
  /** PNG written at the end of the run (relative paths go under test-artifacts/) */
  screenshotPath?: string;
  /** text file receiving the captured console log (relative paths go under test-artifacts/) */
  logPath?: string;
  /** reuse a browser; default: launch one and close it afterwards */
  browser?: Browser;
  /** echo console lines to this process' stdout as they come (default: $E2E_VERBOSE === '1') */
  echo?: boolean;
}

export interface ExtensionTestResult {
  /** the test runner's exit code: 0 = all passed, 1 = failures/crash; 124 = harness timeout */
  exitCode: number;
  timedOut: boolean;
  /** browser console lines (mocha's spec output appears as "[Extension Host] ..." lines) */
  consoleLog: string[];
  /** log files handed over by the workbench with the exit code (relativePath -> contents) */
  workbenchLogs: { relativePath: string; contents: string }[];
  durationMs: number;
}

function artifactPath(p: string): string {
  const abs = path.isAbsolute(p) ? p : path.join(ARTIFACTS_DIR, p);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  return abs;
}

/**
 * Opens the workbench with a payload that makes code-server's extension host load
 * `extensionDevelopmentPath` and run `extensionTestsPath`, then waits for the workbench to call
 * window.codeAutomationExit(code).
 */
export async function runExtensionTests(opts: ExtensionTestOptions): Promise<ExtensionTestResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const echo = opts.echo ?? process.env.E2E_VERBOSE === '1';
  const testsPath = path.resolve(opts.extensionTestsPath);
  if (!fs.existsSync(testsPath) && !fs.existsSync(`${testsPath}.js`)) {
    throw new Error(`extensionTestsPath ${testsPath} does not exist (compile with tsc -p tsconfig.test.json)`);
  }
  if (!fs.existsSync(path.join(opts.extensionDevelopmentPath, 'package.json'))) {
    throw new Error(`extensionDevelopmentPath ${opts.extensionDevelopmentPath} has no package.json`);
  }
  let tempWorkspace: string | undefined;
  const folder = opts.workspaceFolder ?? (tempWorkspace = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-ws-')));
  if (tempWorkspace) liveTemps.add(tempWorkspace);

  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remoteUri(opts.server, opts.extensionDevelopmentPath)],
    ['extensionTestsPath', remoteUri(opts.server, testsPath)],
  ];
  const url = workbenchUrl(opts.server, folder, payload);

  // One run at a time per server: the env file is shared.
  const release = await opts.server.acquireRunLock();
  const collector = consoleCollector(
    echo ? (line) => process.stdout.write(line.replace(/^/gm, '  | ') + '\n') : undefined,
  );
  const consoleLog = collector.lines;
  const ownBrowser = !opts.browser;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    fs.writeFileSync(opts.server.extensionEnvFile, JSON.stringify(opts.env ?? {}));
    browser = opts.browser ?? (await launchBrowser());
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    collector.attach(page);

    let resolveExit!: (v: { code: number; logs: unknown }) => void;
    const exited = new Promise<{ code: number; logs: unknown }>((r) => (resolveExit = r));
    // Must be exposed before goto: the workbench looks for window.codeAutomationExit at the end.
    await page.exposeFunction('codeAutomationExit', (code: number, logs?: unknown) => {
      resolveExit({ code: Number(code), logs });
    });
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));

    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: Math.min(timeoutMs, 60_000) });
    const outcome = await Promise.race([exited, timeout]);

    if (opts.screenshotPath) {
      await page.screenshot({ path: artifactPath(opts.screenshotPath) }).catch(() => undefined);
    }
    const timedOut = outcome === 'timeout';
    const exitCode = timedOut ? 124 : (outcome as { code: number }).code;
    await Promise.race([collector.flush(), sleep(5000)]);
    if (timedOut) consoleLog.push(`[harness] timed out after ${timeoutMs} ms waiting for codeAutomationExit`);
    const rawLogs = timedOut ? undefined : (outcome as { logs: unknown }).logs;
    const workbenchLogs = Array.isArray(rawLogs)
      ? rawLogs
          .filter((l): l is { relativePath: string; contents: string } => !!l && typeof l === 'object' && 'relativePath' in l)
          .map((l) => ({ relativePath: String(l.relativePath), contents: String(l.contents) }))
      : [];
    if (opts.logPath) fs.writeFileSync(artifactPath(opts.logPath), consoleLog.join('\n') + '\n');
    return { exitCode, timedOut, consoleLog, workbenchLogs, durationMs: Date.now() - started };
  } finally {
    if (timer) clearTimeout(timer);
    await context?.close().catch(() => undefined);
    if (ownBrowser) await browser?.close().catch(() => undefined);
    fs.rmSync(opts.server.extensionEnvFile, { force: true });
    if (tempWorkspace) {
      fs.rmSync(tempWorkspace, { recursive: true, force: true });
      liveTemps.delete(tempWorkspace);
    }
    release();
  }
}

// ---------------------------------------------------------------------------------------------
// UI tests

export interface WorkbenchOptions {
  /** reuse a browser; default: launch one (closed by closeWorkbench or page.context().browser().close()) */
  browser?: Browser;
  /** extension folders to load as development extensions (payload extensionDevelopmentPath) */
  extensionDevelopmentPaths?: string[];
  viewport?: { width: number; height: number };
  /** wait for the workbench to render, default 60 s */
  timeoutMs?: number;
}

const ownedBrowserOfPage = new WeakMap<Page, Browser>();

/**
 * Opens `folder` in the workbench and waits until the workbench (activity bar) is rendered.
 * The page's console is collected in `consoleLogOf(page)`.
 */
export async function openWorkbench(server: CodeServer, folder: string, opts: WorkbenchOptions = {}): Promise<Page> {
  const browser = opts.browser ?? (await launchBrowser());
  try {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    const collector = consoleCollector();
    consoleLogs.set(page, collector.lines);
    collector.attach(page);
    const payload: [string, string][] = (opts.extensionDevelopmentPaths ?? []).map((p) => [
      'extensionDevelopmentPath',
      remoteUri(server, p),
    ]);
    const timeout = opts.timeoutMs ?? 60_000;
    await page.goto(workbenchUrl(server, folder, payload), { waitUntil: 'domcontentloaded', timeout });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
    if (!opts.browser) ownedBrowserOfPage.set(page, browser);
    return page;
  } catch (err) {
    if (!opts.browser) await browser.close().catch(() => undefined);
    throw err;
  }
}

const consoleLogs = new WeakMap<Page, string[]>();

/** Console lines collected for a page opened by openWorkbench. */
export function consoleLogOf(page: Page): string[] {
  return consoleLogs.get(page) ?? [];
}

/** Closes the page's context and, if openWorkbench launched it, its browser. */
export async function closeWorkbench(page: Page): Promise<void> {
  await page.context().close().catch(() => undefined);
  const owned = ownedBrowserOfPage.get(page);
  if (owned) await owned.close().catch(() => undefined);
}

/** Writes a PNG screenshot; relative paths go under <repo>/test-artifacts/. Returns the absolute path. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const abs = artifactPath(file.endsWith('.png') ? file : `${file}.png`);
  await page.screenshot({ path: abs });
  return abs;
}

// ---------------------------------------------------------------------------------------------
// Gestures that hold on a busy machine

/**
 * Repeats `act` until `effect` holds. A workbench still starting, or on a busy machine, drops
 * key presses, clicks and hovers without a trace (a menu ignores clicks until its listeners are
 * in, a hover is cancelled by a re-render). Each attempt waits longer for the effect (2, 4, 8, ...
 * s), so a gesture that merely runs slowly is not repeated needlessly. `act` may throw (an element
 * replaced meanwhile): that attempt counts as one without effect.
 */
export async function retryGesture(what: string, act: () => Promise<unknown>, effect: (timeoutMs: number) => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let attempt = 1, wait = 2000; ; attempt++, wait *= 2) {
    await act().catch((err: unknown) => (last = err));
    try {
      await effect(Math.max(1, Math.min(wait, deadline - Date.now())));
      return;
    } catch (err) {
      last ??= err;
    }
    if (Date.now() >= deadline) throw new Error(`${what}: no effect after ${attempt} attempts in ${timeoutMs} ms (${(last as Error)?.message?.split('\n')[0] ?? last})`);
    last = undefined;
  }
}

/**
 * Opens the quick input with `key` (F1, Control+P), types `value` and clicks the row labelled
 * `label`. Opened afresh while the row is missing: the list is made when it opens, and a
 * workbench still starting drops the key or has not yet got an extension's commands.
 */
export async function quickPick(page: Page, key: string, value: string, label: string | RegExp): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await retryGesture(
    `"${value}" lists ${label}`,
    async () => {
      if (await input.isVisible()) await page.keyboard.press('Escape');
      await page.keyboard.press(key);
      await input.fill(value, { timeout: 2000 });
    },
    (t) => row.waitFor({ state: 'visible', timeout: t }),
  );
  // Click the row itself: Enter would take whichever row is active while the list still filters.
  await row.click();
}

/** Hovers `text` inside the editor `line` until `hover` shows. */
export async function hoverText(page: Page, line: Locator, text: string, hover: Locator): Promise<void> {
  await retryGesture(
    `hover over ${text}`,
    async () => {
      await page.mouse.move(0, 0); // away first, so the next move starts a new hover
      const box = await line.boundingBox({ timeout: 5000 });
      if (!box) throw new Error('the line is not laid out');
      const content = await line.innerText({ timeout: 5000 });
      await page.mouse.move(box.x + ((content.indexOf(text) + 3) * box.width) / content.length, box.y + box.height / 2, { steps: 3 });
    },
    (t) => hover.waitFor({ state: 'visible', timeout: t }),
  );
}

/** Polls `probe` (every 250 ms) until it returns a truthy value, which it returns; fails after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** Shows the view container whose activity bar entry is labelled `label...` (a click on an open one would close it). */
export async function openViewContainer(page: Page, label: string): Promise<void> {
  const item = page.locator('.activitybar .action-item', { has: page.locator(`a[aria-label^="${label}"]`) }).first();
  await retryGesture(
    `open the ${label} view container`,
    async () => {
      if (!(await item.getAttribute('class', { timeout: 5000 }))?.includes('checked')) await item.click({ timeout: 5000 });
    },
    (t) => page.locator('.activitybar .action-item.checked', { has: page.locator(`a[aria-label^="${label}"]`) }).waitFor({ state: 'visible', timeout: t }),
  );
}
