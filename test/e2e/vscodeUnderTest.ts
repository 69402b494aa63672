// What the VS Code suites share: the real swarm, the packaged extension unpacked by code-server
// itself (as a user's install would), one code-server and one browser. Missing parts are recorded,
// not thrown, so each test can fail (CI) or skip (elsewhere) with one line.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { installVsix, startCodeServer, type CodeServer } from './codeServer';
import { ComponentUnavailableError, REPO_ROOT, missingComponents } from './environment';
import { skipOrFail, swarmUp } from './swarm';

export interface VsCodeUnderTest {
  missing?: string;
  /** DOCKER_HOST of the swarm under test. */
  env: Record<string, string>;
  server?: CodeServer;
  browser?: Browser;
  /** The installed extension's folder, loaded as a development extension. */
  extensionDir: string;
  /** A scratch folder, removed by dispose(). */
  dir: string;
  /** In CI a missing part fails the test; elsewhere it skips it with one line. */
  ready(t: { skip(msg: string): void }): boolean;
  dispose(): Promise<void>;
}

/** `swarm`: the swarm's environment (DOCKER_HOST...), by default the test swarm of test/swarm. */
export async function startVsCodeUnderTest(settings: Record<string, unknown> = {}, swarm: () => { env: Record<string, string> } | { missing: string } = swarmUp): Promise<VsCodeUnderTest> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarm-lens-vscode-'));
  const it: VsCodeUnderTest = {
    env: {},
    extensionDir: '',
    dir,
    ready(t) {
      if (!it.missing) return true;
      skipOrFail(t, it.missing);
      return false;
    },
    async dispose() {
      await it.browser?.close().catch(() => undefined);
      await it.server?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const up = swarm();
  if ('missing' in up) return Object.assign(it, { missing: up.missing });
  it.env = up.env;
  const components = missingComponents();
  if (components.length) return Object.assign(it, { missing: components.join(', ') });
  const vsix = path.join(REPO_ROOT, 'dist', 'swarm-lens.vsix');
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package first`);
  await installVsix({ extensionsDir: path.join(dir, 'extensions'), userDataDir: path.join(dir, 'user') }, vsix);
  const installed = fs.readdirSync(path.join(dir, 'extensions')).find((d) => d.startsWith('swarm-lens.swarm-lens-'));
  assert.ok(installed, 'the vsix installs');
  it.extensionDir = path.join(dir, 'extensions', installed);
  try {
    it.server = await startCodeServer({
      // Read at activation, so they go to code-server itself, not to a test run's env file.
      env: { ...it.env, CI: process.env.CI ?? '', SWARM_LENS_EXTERNAL: process.env.SWARM_LENS_EXTERNAL ?? '' },
      settings: { 'workbench.colorTheme': 'Default Dark Modern', 'workbench.startupEditor': 'none', ...settings },
    });
    it.browser = await launchBrowser();
  } catch (err) {
    if (err instanceof ComponentUnavailableError) it.missing = err.message.split('\n')[0];
    else throw err;
  }
  return it;
}
