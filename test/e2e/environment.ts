// Where the VS Code test harness finds things, and what it reports missing: the repository, the
// artifacts folder, code-server's and chromium's paths (scripts/install-code-server.sh installs both).
import * as fs from 'fs';
import * as path from 'path';

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

/** Where a test artifact goes: relative paths under <repo>/test-artifacts/; its folder is created. */
export function artifactPath(p: string): string {
  const abs = path.isAbsolute(p) ? p : path.join(ARTIFACTS_DIR, p);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  return abs;
}
