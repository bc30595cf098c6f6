/** The packaged extension, installed from its VSIX into a real VS Code, activates on its first command. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../helpers/temp';
import { extensionVersion, packagedVsixPath, startEditor } from './harness';

test('Show Log activates the installed extension and shows its log channel', async (t) => {
  const editor = await startEditor({ artifactsName: t.name, workspaceDir: tempDir(t), vsixPath: packagedVsixPath });
  t.after(() => editor.stop());
  await editor.screenshot('workbench');

  await editor.runCommand('Peer Backup: Show Log');
  const activatedLine = `Peer Backup ${extensionVersion} activated`;
  await editor.page.locator('.part.panel .view-lines .view-line', { hasText: activatedLine }).waitFor();
  await editor.screenshot('log-channel');

  assert.equal(await editor.shownOutputChannel(), 'Peer Backup');
  const lines = await editor.outputLines();
  assert.ok(lines.some((line) => line.endsWith(`[info] ${activatedLine}`)), `no "${activatedLine}" in the Output panel:\n${lines.join('\n')}`);

  const activationMs = await editor.activationTimeMs('Peer Backup');
  await editor.screenshot('running-extensions');
  t.diagnostic(`activation as the editor measured it: ${activationMs} ms`);
});
