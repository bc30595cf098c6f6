/**
 * The editor's backup journey against real processes on loopback: a
 * registry and a teammate's receiver (the built CLI), and the extension's
 * glue driven through a fake editor: "Back Up Now to Teammate..." from the
 * Explorer, then "Restore Snapshot...", then a refused backup.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/core/store';
import { activateInFakeEditor, FakeUri } from '../helpers/fake-vscode';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

test('back up an Explorer selection to a teammate from the editor, again with the same plan, and restore it', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  await startReceiver(t, teammate.home, registry.url);

  const workspaceDir = tempDir(t);
  const project = writeFixtureTree(join(workspaceDir, 'project'));
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir, storageDir: tempDir(t) }, (fake) => fake.setConfig('registryUrl', registry.url));
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  await editor.run('peerBackup.copyPeerId');
  await allow(teammate.home, editor.clipboard, '10MB');

  const selection = FakeUri.file(project);
  editor.pick('Add Teammate').type('bob').type(teammate.peerId);
  await editor.run('peerBackup.backUpNow', selection, [selection]);
  editor.pick('bob');
  await editor.run('peerBackup.backUpNow', selection, [selection]);
  editor.assertAllAnswersUsed();

  assert.deepEqual(editor.messages('error'), []);
  const plans = await store.plans.list();
  assert.deepEqual(
    plans.map((plan) => [plan.name, plan.destination, plan.items.map((item) => item.archivePath)]),
    [['project to bob', teammate.peerId, ['project']]],
  );
  const runs = await store.runs.list();
  assert.deepEqual(
    runs.map((run) => run.status),
    ['succeeded', 'succeeded'],
  );
  assert.match(editor.messages('info').at(-1) ?? '', /^Backed up "project to bob" to bob: 4 files, [\d.]+ (B|KiB)\.$/);
  const [first] = editor.progress;
  assert.equal(first.title, 'Backing up "project to bob"');
  assert.ok(first.messages.some((message) => message.startsWith('Packing: ')), first.messages.join('\n'));
  assert.ok(first.messages.some((message) => /^Sending the last packs: 4 files; .* new, .* sent/.test(message)), first.messages.join('\n'));

  const target = tempDir(t);
  editor.pick('project to bob').answer((prompt) => {
    assert.equal(prompt.kind, 'quickPick');
    const items = (prompt as { items: { detail?: string }[] }).items;
    assert.deepEqual(
      items.map((item) => item.detail),
      [runs[0].snapshotId, runs[1].snapshotId],
    );
    return items[0];
  });
  editor.chooseFiles(target);
  await editor.run('peerBackup.restoreSnapshot');
  editor.assertAllAnswersUsed();
  assert.match(editor.messages('info').at(-1) ?? '', new RegExp(`^Restored 4 files of "project to bob" \\(.*\\) into ${target}\\.$`));
  const diff = spawnSync('diff', ['-r', '--no-dereference', project, join(target, 'project')], { encoding: 'utf8' });
  assert.equal(diff.status, 0, diff.stdout + diff.stderr);
});

test('a backup the teammate refuses fails with the reason and Show Log; a cancelled one keeps nothing', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  await startReceiver(t, teammate.home, registry.url);
  const workspaceDir = tempDir(t);
  const project = writeFixtureTree(join(workspaceDir, 'project'));
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir, storageDir: tempDir(t) }, (fake) => fake.setConfig('registryUrl', registry.url));
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  await store.destinations.add('bob', teammate.peerId);
  const selection = FakeUri.file(project);

  editor.pick('bob');
  await editor.run('peerBackup.backUpNow', selection, undefined);
  const [failure] = editor.shown.filter((shown) => shown.level === 'error');
  assert.match(failure.message, /^The backup of "project to bob" failed: peer \S+ is not allowed to store here; the receiver's owner can allow it with "peer-backup allow \S+ --quota 10GB"$/);
  assert.deepEqual(failure.actions, ['Show Log']);
  assert.ok(editor.logLines.some((line) => line.startsWith('[error] "project to bob" failed: ')));

  await editor.run('peerBackup.copyPeerId');
  await allow(teammate.home, editor.clipboard, '10MB');
  editor.cancelOnProgress = true;
  editor.pick('bob');
  await editor.run('peerBackup.backUpNow', selection, undefined);
  assert.equal((await store.runs.list())[0].status, 'cancelled');
  assert.match(editor.messages('info').at(-1) ?? '', /^The backup of "project to bob" was cancelled; your teammate keeps nothing partial\.$/);
  // No pack, index, snapshot or partial upload: at most the empty folders of the sender's store.
  const senderFolder = join(teammate.home, 'storage', editor.clipboard);
  const stored = existsSync(senderFolder) ? readdirSync(senderFolder, { recursive: true, withFileTypes: true }).filter((entry) => !entry.isDirectory()) : [];
  assert.deepEqual(stored.map((entry) => entry.name), []);
});
