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
  // The trace panel's browser code and stylesheet (with the @vscode-elements components it
  // imports): dist/webview/main.js and dist/webview/main.css, the panel's only resources.
  esbuild.build({
    entryPoints: ['src/webview/main.ts', 'src/webview/main.css'],
    outdir: 'dist/webview',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  }),
]);
