/**
 * Mocha entry point that runs INSIDE the VS Code extension host (code-server's Node extension
 * host, or an Electron one via @vscode/test-electron). VS Code calls `run()` from the module named
 * by `extensionTestsPath`; the returned promise settles the run (reject = exit code 1).
 *
 * Output: mocha's `spec` reporter writes through console.log, which the extension host forwards
 * to the workbench's (browser) console as "[Extension Host] ..." messages; the harness in
 * test/e2e/extensionTests.ts collects those. Colors are off so the captured text stays plain.
 *
 * Per-run environment: the web workbench cannot pass env to the extension host, so the harness
 * (test/e2e/extensionTests.ts runExtensionTests({ env })) writes it to the JSON file named by
 * $E2E_EXTENSION_ENV_FILE; it is merged into process.env here, before the test files load.
 *
 * Environment (read inside the extension host):
 *   MOCHA_GREP     only run tests whose full title matches this regular expression
 *   MOCHA_TIMEOUT  per-test timeout in ms (default 60000)
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface RunOptions {
  /** file name suffix to load (default ".test.js") */
  suffix?: string;
  timeoutMs?: number;
  grep?: string;
}

function findTestFiles(dir: string, suffix: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Merges the harness' per-run env file (if any) into process.env; returns the variable names. */
export function applyHarnessEnv(): string[] {
  const file = process.env.E2E_EXTENSION_ENV_FILE;
  if (!file || !fs.existsSync(file)) return [];
  const vars = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  Object.assign(process.env, vars);
  return Object.keys(vars);
}

/** Runs every `*<suffix>` file under `dir` (recursively) with mocha; rejects when a test failed. */
export function runMochaTests(dir: string, opts: RunOptions = {}): Promise<void> {
  const applied = applyHarnessEnv();
  const timeout = opts.timeoutMs ?? Number(process.env.MOCHA_TIMEOUT || 60_000);
  const grep = opts.grep ?? process.env.MOCHA_GREP;
  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    color: false,
    timeout,
    ...(grep ? { grep: new RegExp(grep) } : {}),
  });
  // Install the bdd globals too, so test files may use either suite/test/setup (tdd) or
  // describe/it/before (bdd).
  Mocha.interfaces.bdd(mocha.suite);
  const files = findTestFiles(dir, opts.suffix ?? '.test.js');
  for (const f of files) mocha.addFile(f);
  const tag = `[mocha ${path.relative(path.resolve(__dirname, '..', '..'), dir) || dir}]`;
  console.log(`${tag} ${files.length} test file(s) in ${dir}${applied.length ? `; env from harness: ${applied.join(', ')}` : ''}`);
  return new Promise<void>((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`${tag} no *${opts.suffix ?? '.test.js'} files in ${dir}`));
      return;
    }
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats;
        console.log(
          `${tag} done: ${stats?.passes ?? '?'} passing, ${failures} failing, ${stats?.pending ?? 0} pending`,
        );
        if (failures > 0) reject(new Error(`${failures} test(s) failed`));
        else resolve();
      });
    } catch (err) {
      console.error(`${tag} mocha crashed:`, err);
      reject(err);
    }
  });
}

/** Called by VS Code (extensionTestsPath = this compiled file). */
export function run(): Promise<void> {
  return runMochaTests(__dirname);
}
