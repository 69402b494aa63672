import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root, whether this runs from test/ (ts) or out/test/ (compiled). */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../..' : '..');

/** Reads a recorded fixture from test/fixtures/. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', name), 'utf8');
}
