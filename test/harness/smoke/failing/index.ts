// extensionTestsPath for a deliberately failing suite: proves the harness reports exit code 1.
import { runMochaTests } from '../../../integration/index';

export function run(): Promise<void> {
  // *.itest.js, not *.test.js: keeps `node --test out/test/harness/` from running these outside VS Code.
  return runMochaTests(__dirname, { suffix: '.itest.js' });
}
