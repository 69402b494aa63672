// extensionTestsPath for the smoke extension's passing suite (see test/e2e/harness.test.ts).
import { runMochaTests } from '../../../integration/index';

export function run(): Promise<void> {
  // *.itest.js, not *.test.js: keeps `node --test out/test/e2e/` from running these outside VS Code.
  return runMochaTests(__dirname, { suffix: '.itest.js' });
}
