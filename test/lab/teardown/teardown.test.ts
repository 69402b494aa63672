// Runs last in npm test: lab:down, then the host compared with the state lab:up recorded before
// it changed anything (test/lab/hoststate.sh): no guest, namespace, link, mount or process left.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../e2e/codeServer';
import { CI, skipOrFail } from '../../e2e/swarm';

const LAB = process.env.SWARM_LENS_LAB_DIR ?? '/tmp/swarm-lens-lab';
const script = (name: string) => path.join(REPO_ROOT, 'test', 'lab', name);

test('lab:down leaves the host as lab:up found it', { timeout: 120_000 }, (t) => {
  if (!CI && process.env.SWARM_LENS_LAB_KEEP === '1') {
    console.log('skipped: SWARM_LENS_LAB_KEEP=1 keeps the lab up');
    return t.skip('SWARM_LENS_LAB_KEEP=1');
  }
  const beforeFile = `${LAB}.before`;
  if (!fs.existsSync(beforeFile)) return skipOrFail(t, `a lab brought up by this run (${beforeFile})`);
  const before = fs.readFileSync(beforeFile, 'utf8');
  execFileSync('bash', [script('down.sh')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 100_000 });
  const after = execFileSync('bash', [script('hoststate.sh')], { encoding: 'utf8' });
  fs.rmSync(beforeFile);
  assert.deepEqual(after.split('\n'), before.split('\n'));
  assert.ok(!fs.existsSync(LAB), `${LAB} removed`);
});
