// extensionTestsPath for the smoke extension's passing suite (see test/harness/harness.test.ts).
import { runMochaTests } from '../../../integration/index';

export function run(): Promise<void> {
  // *.itest.js, not *.test.js: keeps `node --test out/test/harness/` from running these outside VS Code.
  return runMochaTests(__dirname, { suffix: '.itest.js' });
}
