/**
 * One path's backups from the Explorer and the editor, against real
 * registry and receiver processes: a file's versions in a diff and restored,
 * a folder restored in place, and a plan's backups verified (the status bar
 * warning while the last verify failed).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type * as vscode from 'vscode';
import { openStore } from '../../src/core/store';
import { activateInFakeEditor, FakeUri } from '../helpers/fake-vscode';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

/** An editor whose plan "notes" backs up workspace/notes to a real receiver, run twice: todo.md was "v1", then "v2". */
async function backedUpTwice(t: TestContext) {
  const registry = await startRegistry(t);
  const receiverHome = await makeHome(t);
  const receiver = await startReceiver(t, receiverHome.home, registry.url);
  const workspaceDir = tempDir(t);
  const notes = join(workspaceDir, 'notes');
  const todo = join(notes, 'todo.md');
  mkdirSync(notes);
  writeFileSync(todo, 'v1\n');
  const storageDir = tempDir(t);
  const { editor } = await activateInFakeEditor(t, { workspaceDir, storageDir }, (fake) => fake.config.set('registryUrl', registry.url));
  await editor.run('peerBackup.copyPeerId');
  await allow(receiverHome.home, editor.clipboard, '100MB');
  const store = await openStore(join(storageDir, 'peer-backup.db'));
  t.after(() => store.close());
  await store.plans.create({ name: 'notes', destination: receiverHome.peerId, schedule: 'manual', excludes: [], items: [{ sourcePath: notes, archivePath: 'notes' }] });
  await editor.run('peerBackup.runPlan', 'notes');
  writeFileSync(todo, 'v2, longer\n');
  await editor.run('peerBackup.runPlan', 'notes');
  assert.equal(editor.messages('info').filter((message) => message.startsWith('Backed up "notes"')).length, 2);
  return { editor, receiver, notes, todo, workspaceDir };
}

type Items = (vscode.QuickPickItem & { label: string })[];

test('"Show Backup History of This File" lists its versions, diffs the chosen one against the working copy, and restores it after asking', async (t) => {
  const { editor, todo } = await backedUpTwice(t);
  writeFileSync(todo, 'v3, not backed up\n');
  let offered: Items = [];
  editor
    .answer((prompt) => {
      assert.equal(prompt.kind, 'quickPick');
      offered = (prompt as { items: Items }).items;
      return offered[1]; // the older version
    })
    .clickOnNotification(/^Comparing the backup of .* with the working copy of notes\/todo\.md\.$/, 'Restore This Version')
    .confirm('Replace the Working Copy');
  await editor.run('peerBackup.showFileHistory', FakeUri.file(todo));
  await editor.waitFor(() => readFileSync(todo, 'utf8') === 'v1\n', 'the older version to be written back');
  await editor.waitFor(() => editor.messages('info').some((message) => message.startsWith(`Restored ${todo} to the version of `)), 'the restore message');
  editor.assertAllAnswersUsed();

  assert.equal(offered.length, 2, 'one version per snapshot holding the file');
  assert.deepEqual(
    offered.map((item) => item.description),
    ['11 B', '3 B'],
    'newest first, with sizes',
  );
  assert.ok(offered.every((item) => /^snapshot \S+$/.test(item.detail ?? '')));
  const [diff] = editor.builtInCommands;
  assert.equal(diff.id, 'vscode.diff');
  const [older, working, title] = diff.args as [FakeUri, FakeUri, string];
  assert.equal(working.fsPath, todo);
  assert.equal(readFileSync(older.fsPath, 'utf8'), 'v1\n', 'the left side is the chosen version');
  assert.match(title, /^notes\/todo\.md \(backup of .*\) ↔ working copy$/);
  assert.deepEqual(editor.messages('error'), []);

  // Now the working copy is v1 again: the history says which version that is.
  editor.answer((prompt) => {
    offered = (prompt as { items: Items }).items;
    return undefined;
  });
  await editor.run('peerBackup.showFileHistory', FakeUri.file(todo));
  assert.deepEqual(
    offered.map((item) => item.description),
    ['11 B', '3 B · same as the working copy'],
  );
});

test('"Restore from Backup..." brings a folder back where it was, keeping or replacing existing files as asked', async (t) => {
  const { editor, notes, todo } = await backedUpTwice(t);
  rmSync(todo);
  writeFileSync(join(notes, 'new.md'), 'made since');
  editor.pick('').confirm('Keep Existing Files'); // the first snapshot offered is the newest
  await editor.run('peerBackup.restoreFromBackup', FakeUri.file(notes));
  assert.equal(readFileSync(todo, 'utf8'), 'v2, longer\n');
  assert.equal(readFileSync(join(notes, 'new.md'), 'utf8'), 'made since', 'files the snapshot does not have are left alone');

  writeFileSync(todo, 'edited');
  editor.pick('').confirm('Keep Existing Files');
  await editor.run('peerBackup.restoreFromBackup', FakeUri.file(todo));
  assert.equal(readFileSync(todo, 'utf8'), 'edited', '"Keep" leaves an existing file as it is');

  editor
    .answer((prompt) => (prompt as { items: Items }).items[1]) // the older snapshot
    .confirm('Replace Existing Files');
  await editor.run('peerBackup.restoreFromBackup', FakeUri.file(todo));
  editor.assertAllAnswersUsed();
  assert.equal(readFileSync(todo, 'utf8'), 'v1\n');
  assert.deepEqual(editor.messages('error'), []);
  assert.match(editor.messages('info').at(-1) ?? '', new RegExp(`^Restored ${todo} from the backup of `));
});

test('a path no plan backs up is refused with what to do, and nothing is asked', async (t) => {
  const workspaceDir = tempDir(t);
  const { editor } = await activateInFakeEditor(t, { workspaceDir, storageDir: tempDir(t) });
  const stray = join(workspaceDir, 'stray.txt');
  writeFileSync(stray, 'x');
  await editor.run('peerBackup.restoreFromBackup', FakeUri.file(stray));
  await editor.run('peerBackup.showFileHistory', new FakeUri('untitled', 'Untitled-1'));
  assert.deepEqual(editor.messages('error'), [
    `${stray} is in no backup plan: right-click it in the Explorer and choose "Add to Backup Plan...".`,
    "untitled://Untitled-1 is not a file on this machine's disk, so it has no backups.",
  ]);
});

test('"Verify Backups of a Plan..." reports good backups; a verify that fails turns the status bar into a warning whose click verifies again', async (t) => {
  const { editor, receiver } = await backedUpTwice(t);
  const item = editor.statusBarItems[0];
  editor.pick('notes').pick('Full');
  await editor.run('peerBackup.verifyPlan');
  assert.match(editor.messages('info').at(-1) ?? '', /^The backups of "notes" are good: 2 snapshots, \d+ packs? re-hashed, \d+ chunks? read back\.$/);
  await editor.waitFor(() => item.text.startsWith('$(pass) notes: backed up'), 'the status bar to show the backup');

  await receiver.stop('SIGKILL');
  editor.pick('Quick');
  await editor.run('peerBackup.verifyPlan', 'notes');
  editor.assertAllAnswersUsed();
  assert.equal(editor.messages('error').length, 1, 'the failure is shown');
  await editor.waitFor(() => item.text === '$(warning) notes: verify failed', 'the status bar warning');
  assert.deepEqual(item.command, { title: 'Verify Backups', command: 'peerBackup.verifyPlan', arguments: ['notes'] });
  assert.match(String(item.tooltip), /^The verify of "notes" at .* found it could not finish: /);
});
