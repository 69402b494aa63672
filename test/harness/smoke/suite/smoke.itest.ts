// Runs inside code-server's extension host against the smoke extension (test/harness/smoke).
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXT_ID = 'swarm-lens-test.e2e-smoke';

suite('e2e-smoke extension', () => {
  test('runs in a real VS Code 1.100 extension host', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    assert.strictEqual(vscode.env.uiKind, vscode.UIKind.Web);
  });

  test('is loaded from extensionDevelopmentPath and activates', async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `${EXT_ID} not found`);
    const api = (await ext.activate()) as { items(): string[]; env(k: string): string | undefined };
    assert.ok(ext.isActive);
    assert.deepStrictEqual(api.items(), ['alpha', 'beta', 'gamma']);
  });

  test('opened the workspace folder given in the URL', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders.length, 1);
    const expected = process.env.E2E_SMOKE_WORKSPACE;
    if (expected) assert.strictEqual(folders[0].uri.path, expected);
  });

  test('gets the environment passed by the harness', () => {
    assert.strictEqual(process.env.E2E_SMOKE_MARKER, 'from-harness');
  });

  test('command runs and returns its result', async () => {
    const text = await vscode.commands.executeCommand<string>('e2eSmoke.hello', 'harness');
    assert.strictEqual(text, 'hello harness from e2e-smoke');
  });

  test('tree view can be focused', async () => {
    await vscode.commands.executeCommand('e2eSmoke.items.focus');
  });

  test('files in the workspace are visible', async () => {
    const files = await vscode.workspace.findFiles('**/*.txt');
    assert.ok(files.some((f) => f.path.endsWith('/hello.txt')), `found: ${files.map((f) => f.path)}`);
  });

  describe('bdd globals also work', () => {
    it('describe/it see the activated extension and its commands', async () => {
      assert.ok(vscode.extensions.getExtension(EXT_ID)?.isActive, `${EXT_ID} is active`);
      const commands = await vscode.commands.getCommands(true);
      for (const id of ['e2eSmoke.hello', 'e2eSmoke.items.focus']) assert.ok(commands.includes(id), `${id} is registered`);
    });
  });
});
