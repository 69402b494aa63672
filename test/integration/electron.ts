// The same integration suite in desktop VS Code, where it can be downloaded (not on these
// machines: CI here runs it in code-server through test/e2e/extension.test.ts).
// Usage: npm run package && npm run compile-tests && DOCKER_HOST=... node out/test/integration/electron.js
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

const repo = path.resolve(__dirname, '../../..');

runTests({
  version: '1.100.3',
  extensionDevelopmentPath: repo,
  extensionTestsPath: path.join(__dirname, 'index.js'),
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
}).catch((err) => {
  console.error(`integration tests could not run: ${(err as Error).message}`);
  process.exit(1);
});
