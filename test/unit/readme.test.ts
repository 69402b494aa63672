// The README's size figures are what `npm run package` builds, within 10%: a figure a code change
// left behind fails here. `npm run unit` and `npm test` package before the tests run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtSizes } from '../../bench/sizes';
import { repoRoot } from '../fixtures';

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

function assertWithin10(label: string, readmeKiB: number, bytes: number): void {
  const built = bytes / 1024;
  assert.ok(Math.abs(readmeKiB - built) <= built * 0.1, `${label}: the README says ${readmeKiB} KiB, the build is ${built.toFixed(0)} KiB (npm run bench prints it)`);
}

test('the README gives the sizes of the package build, within 10%', () => {
  const extension = path.join(repoRoot, 'dist', 'extension.js');
  const vsix = path.join(repoRoot, 'dist', 'swarm-lens.vsix');
  assert.ok(fs.existsSync(extension) && fs.existsSync(vsix), 'dist/ is built: npm run package (npm run unit runs it)');
  // `npm run build` (development: not minified, source maps) is larger: it is not what ships.
  assert.doesNotMatch(fs.readFileSync(extension, 'utf8').slice(-500), /sourceMappingURL/, 'dist/ holds a development build: npm run package');
  assert.ok(fs.statSync(vsix).mtimeMs >= fs.statSync(extension).mtimeMs, 'the .vsix is older than dist/extension.js: npm run package');

  const rows = readme.split('\n').filter((l) => l.startsWith('| '));
  const sizes = builtSizes(repoRoot);
  assert.equal(sizes.length, 4);
  for (const size of sizes) {
    assert.ok(size.bytes !== undefined, `${size.files.join(' and ')} built`);
    const row = rows.find((l) => l.startsWith(`| ${size.label} |`));
    assert.ok(row, `the README's Speed table has the row "${size.label}"`);
    const figure = /^\| [^|]+\| ([\d.]+) KiB/.exec(row);
    assert.ok(figure, `a KiB figure in: ${row}`);
    assertWithin10(size.label, Number(figure[1]), size.bytes);
  }
  // The prose says it again where it explains why there is no dockerode.
  const prose = /`dist\/extension\.js` is now ([\d.]+) KiB/.exec(readme);
  assert.ok(prose, 'the README says how large dist/extension.js is now');
  assertWithin10('dist/extension.js in "How it is built"', Number(prose[1]), sizes[0].bytes!);
});
