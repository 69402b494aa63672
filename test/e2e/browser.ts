// The browser of the VS Code tests: Debian's chromium through playwright-core, and what a page
// prints to its console (the extension host's output arrives there too).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { ComponentUnavailableError, artifactPath, chromiumPath } from './environment';
import { installExitHooks, liveTemps } from './processes';

const liveBrowsers = new Set<Browser>();

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
export function consoleCollector(onLine?: (line: string) => void): { lines: string[]; attach(page: Page): void; flush(): Promise<void> } {
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

/** Writes a PNG screenshot; relative paths go under <repo>/test-artifacts/. Returns the absolute path. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const abs = artifactPath(file.endsWith('.png') ? file : `${file}.png`);
  await page.screenshot({ path: abs });
  return abs;
}
