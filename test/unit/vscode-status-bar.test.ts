import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/core/store';
import { activateInFakeEditor } from '../helpers/fake-vscode';
import { startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

test('the status bar names the plan, its last result and the next run, warns when a plan failed, and opens the settings', async (t) => {
  const registry = await startRegistry(t);
  const storageDir = tempDir(t);
  const store = await openStore(join(storageDir, 'peer-backup.db'));
  t.after(() => store.close());
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir }, (fake) => fake.config.set('registryUrl', registry.url));
  const item = editor.statusBarItems[0];
  assert.equal(item.command, 'peerBackup.openSettings');
  await editor.waitFor(() => item.text === '$(cloud-upload) No backups yet', 'the first refresh');
  assert.equal(item.visible, true);

  const plan = await store.plans.create({ name: 'nightly', destination: null, schedule: 'every 15 minutes', excludes: [], items: [] });
  await store.runs.finish(await store.runs.start(plan.id), { status: 'succeeded', files: 1 });
  editor.setConfig('defaultExcludes', []); // any change of the extension's settings refreshes the surfaces
  await editor.waitFor(() => item.text.startsWith('$(pass) nightly: backed up just now - next '), 'the success');
  // Within 15 minutes of midnight the next run is tomorrow's; the wording of either is covered with a fixed clock elsewhere.
  assert.match(item.text, / - next (tomorrow )?\d\d:\d\d$/, 'the next run is the same plan\'s, so its name is not repeated');
  assert.match(String(item.tooltip), /"nightly" backed up 1 file at .*\nNext: "nightly" at /);
  assert.equal(item.backgroundColor, undefined);

  await store.runs.finish(await store.runs.start(plan.id), { status: 'failed', error: 'peer offline' });
  const weekly = await store.plans.create({ name: 'weekly', destination: null, schedule: 'manual', excludes: [], items: [] });
  await store.runs.finish(await store.runs.start(weekly.id), { status: 'succeeded', files: 2 });
  editor.setConfig('defaultExcludes', ['node_modules/']);
  await editor.waitFor(() => item.text.startsWith('$(warning) nightly: backup failed just now'), 'the failure, which outweighs the newer success of "weekly"');
  assert.equal((item.backgroundColor as unknown as { id: string }).id, 'statusBarItem.warningBackground');
  assert.match(String(item.tooltip), /"nightly" failed at .*: peer offline/);
});

test('when the registry does not answer, the status bar says so and a click offers to change it', async (t) => {
  const registry = await startRegistry(t);
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) }, (fake) => fake.config.set('registryUrl', registry.url));
  const item = editor.statusBarItems[0];
  await editor.waitFor(() => editor.contextValues.get('peerBackup.registryAnswers') === true, 'the registry to answer');
  assert.equal(item.command, 'peerBackup.openSettings');

  await registry.stop();
  editor.setConfig('registryUrl', registry.url); // the same URL, asked again
  await editor.waitFor(() => item.text === '$(warning) Peer Backup: registry not answering', 'the warning');
  assert.equal(item.command, 'peerBackup.changeRegistryUrl');
  assert.match(String(item.tooltip), new RegExp(`^The registry at ${registry.url} does not answer`));
  // The context keys refresh on their own, after reading the database: wait for them rather than race them.
  await editor.waitFor(() => editor.contextValues.get('peerBackup.registryAnswers') === false, 'the walkthrough to learn the registry is not answering');
});
