/**
 * The Timeline source, against real registry and receiver processes: where
 * the editor allows the proposed API, the open file's backed-up versions
 * (newest first, one item per distinct content, with size and teammate),
 * each opening the diff; where it does not, no registration and a log line
 * pointing to the command.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { openStore } from '../../src/core/store';
import type { Timeline, TimelineProvider } from '../../src/vscode/timeline-proposal';
import { activateInFakeEditor, FakeUri } from '../helpers/fake-vscode';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const noCancel = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) } as unknown as vscode.CancellationToken;

test('the Timeline lists each distinct backed-up version of the open file, newest first, and choosing one opens the diff', async (t) => {
  const registry = await startRegistry(t);
  const receiverHome = await makeHome(t);
  await startReceiver(t, receiverHome.home, registry.url);
  const workspaceDir = tempDir(t);
  const notes = join(workspaceDir, 'notes');
  const todo = join(notes, 'todo.md');
  mkdirSync(notes);
  writeFileSync(todo, 'v1\n');
  const storageDir = tempDir(t);
  const { editor } = await activateInFakeEditor(t, { workspaceDir, storageDir }, (fake) => {
    fake.config.set('registryUrl', registry.url);
    fake.allowTimelineApi = true;
  });
  assert.equal(editor.timelineProviders.length, 1);
  const [{ scheme, provider }] = editor.timelineProviders as { scheme: string[]; provider: TimelineProvider }[];
  assert.deepEqual(scheme, ['file', 'vscode-remote']);
  let changes = 0;
  provider.onDidChange?.(() => (changes += 1));

  await editor.run('peerBackup.copyPeerId');
  await allow(receiverHome.home, editor.clipboard, '100MB');
  const store = await openStore(join(storageDir, 'peer-backup.db'));
  t.after(() => store.close());
  await store.plans.create({ name: 'notes', destination: receiverHome.peerId, schedule: 'manual', excludes: [], items: [{ sourcePath: notes, archivePath: 'notes' }] });
  await editor.run('peerBackup.runPlan', 'notes');
  await editor.run('peerBackup.runPlan', 'notes'); // the same content again: one version
  writeFileSync(todo, 'v2, longer\n');
  await editor.run('peerBackup.runPlan', 'notes');
  assert.ok(changes > 0, 'backups tell the Timeline to refresh');

  const timeline = (await provider.provideTimeline(FakeUri.file(todo) as unknown as vscode.Uri, {}, noCancel)) as Timeline;
  assert.deepEqual(
    timeline.items.map((item) => [item.label, item.description]),
    [
      [`Backup at ${receiverHome.peerId}`, '11 B · same as the working copy'],
      [`Backup at ${receiverHome.peerId}`, '3 B'],
    ],
  );
  assert.ok(timeline.items[0].timestamp > timeline.items[1].timestamp, 'newest first');
  assert.match(timeline.items[1].tooltip ?? '', /unchanged in 2 snapshots/);

  const older = timeline.items[1].command!;
  await editor.run(older.command, ...(older.arguments ?? []));
  const [diff] = editor.builtInCommands;
  assert.equal(diff.id, 'vscode.diff');
  const [left, right] = diff.args as [FakeUri, FakeUri];
  assert.equal(readFileSync(left.fsPath, 'utf8'), 'v1\n');
  assert.equal(right.fsPath, todo);
  assert.deepEqual(editor.messages('error'), []);

  const elsewhere = join(workspaceDir, 'stray.txt');
  writeFileSync(elsewhere, 'x');
  assert.deepEqual((await provider.provideTimeline(FakeUri.file(elsewhere) as unknown as vscode.Uri, {}, noCancel))?.items, [], 'a file no plan backs up has no items');
});

test('where the editor does not allow the proposed API, nothing is registered and the log points to the command', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  assert.deepEqual(editor.timelineProviders, []);
  assert.ok(editor.logLines.some((line) => line.includes('CANNOT use API proposal: timeline') && line.includes('"Show Backup History of This File" does')));
});
