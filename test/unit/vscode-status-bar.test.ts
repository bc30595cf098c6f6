import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/core/store';
import { activateInFakeEditor } from '../helpers/fake-vscode';
import { tempDir } from '../helpers/temp';

test('the status bar shows the last result and the next run, warns when a plan failed, and opens the settings', async (t) => {
  const storageDir = tempDir(t);
  const store = await openStore(join(storageDir, 'peer-backup.db'));
  t.after(() => store.close());
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir });
  const item = editor.statusBarItems[0];
  assert.equal(item.command, 'peerBackup.openSettings');
  await editor.waitFor(() => item.text === '$(cloud-upload) No backups yet', 'the first refresh');
  assert.equal(item.visible, true);

  const plan = await store.plans.create({ name: 'nightly', destination: null, schedule: 'every 15 minutes', excludes: [], items: [] });
  await store.runs.finish(await store.runs.start(plan.id), { status: 'succeeded', files: 3 });
  editor.setConfig('defaultExcludes', []); // any change of the extension's settings refreshes the surfaces
  await editor.waitFor(() => item.text.startsWith('$(pass) Backed up just now - next '), 'the success');
  assert.match(item.text, / - next \d\d:\d\d$/);
  assert.match(String(item.tooltip), /"nightly" backed up 3 files at .*\nNext: "nightly" at /);
  assert.equal(item.backgroundColor, undefined);

  await store.runs.finish(await store.runs.start(plan.id), { status: 'failed', error: 'peer offline' });
  editor.setConfig('defaultExcludes', ['node_modules/']);
  await editor.waitFor(() => item.text.startsWith('$(warning) Backup failed just now'), 'the failure');
  assert.equal((item.backgroundColor as unknown as { id: string }).id, 'statusBarItem.warningBackground');
  assert.match(String(item.tooltip), /"nightly" failed at .*: peer offline/);
});
