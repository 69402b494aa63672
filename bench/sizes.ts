// The sizes of what `npm run package` builds and ships. npm run bench prints them; the README's
// figures are checked against them by test/unit/readme.test.ts, so both name them alike.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BuiltSize {
  /** The row's name in the bench output and in the README's Speed table. */
  label: string;
  files: string[];
  /** Sum of the files' sizes; undefined when one is not built. */
  bytes: number | undefined;
}

const BUILT: { label: string; files: string[] }[] = [
  { label: 'Bundle size dist/extension.js (minified)', files: ['dist/extension.js'] },
  { label: 'Bundle size dist/cli.js (minified)', files: ['dist/cli.js'] },
  { label: 'Bundle size dist/webview/main.js + main.css (minified)', files: ['dist/webview/main.js', 'dist/webview/main.css'] },
  { label: 'Package size dist/swarm-lens.vsix', files: ['dist/swarm-lens.vsix'] },
];

export function builtSizes(repoRoot: string): BuiltSize[] {
  return BUILT.map(({ label, files }) => {
    const paths = files.map((f) => path.join(repoRoot, f));
    const bytes = paths.every((p) => fs.existsSync(p)) ? paths.reduce((n, p) => n + fs.statSync(p).size, 0) : undefined;
    return { label, files, bytes };
  });
}

export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
