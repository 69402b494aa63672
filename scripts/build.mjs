// The extension host bundle (node, cjs, `vscode` external) and the CLI (same core, no vscode).
// The webview bundle (browser, esm) is added by the trace panel.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode'],
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  esbuild.build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' }),
]);
