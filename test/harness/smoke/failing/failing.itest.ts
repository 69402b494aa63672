// Deliberately failing: test/harness/harness.test.ts expects this run to end with exit code 1.
import * as assert from 'assert';
import * as vscode from 'vscode';

suite('e2e-smoke deliberately failing suite', () => {
  test('this test passes', () => {
    assert.ok(vscode.version);
  });
  test('this test fails on purpose', () => {
    assert.strictEqual(1 + 1, 3, 'deliberate failure');
  });
});
