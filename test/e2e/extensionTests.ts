// Extension tests: mocha in code-server's extension host, run the way VS Code's own test runner
// does it (a workbench opened with extensionDevelopmentPath and extensionTestsPath in its payload).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, BrowserContext } from 'playwright-core';
import { consoleCollector, launchBrowser } from './browser';
import { remoteUri, workbenchUrl, type CodeServer } from './codeServer';
import { artifactPath } from './environment';
import { liveTemps, sleep } from './processes';

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
