import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { openStore } from '../../src/core/store';
import { activateInFakeEditor, FakeUri } from '../helpers/fake-vscode';
import { tempDir } from '../helpers/temp';

async function setUp(t: Parameters<typeof tempDir>[0]) {
  const workspaceDir = tempDir(t);
  mkdirSync(join(workspaceDir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(workspaceDir, 'src', 'lib', 'a.ts'), 'a');
  writeFileSync(join(workspaceDir, 'README.md'), 'r');
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir, storageDir: tempDir(t) });
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  return { editor, store, workspaceDir };
}

test('"Add to Backup Plan..." puts the whole Explorer selection into a new plan, refusing bad names as they are typed', async (t) => {
  const { editor, store, workspaceDir } = await setUp(t);
  await store.plans.create({ name: 'existing', destination: null, schedule: 'manual', excludes: [], items: [] });
  const refusals: (string | undefined)[] = [];
  editor.pick('New Backup Plan').typeAfterRefusals(['', 'existing', '../x'], 'work', refusals);
  const readme = FakeUri.file(join(workspaceDir, 'README.md'));
  await editor.run('peerBackup.addToPlan', readme, [readme, FakeUri.file(join(workspaceDir, 'src', 'lib'))]);
  editor.assertAllAnswersUsed();

  assert.match(refusals[0] ?? '', /not a usable plan name/);
  assert.match(refusals[1] ?? '', /"existing" already exists/);
  assert.match(refusals[2] ?? '', /not a usable plan name/);
  const plan = await store.plans.get('work');
  assert.deepEqual(
    plan.items.map((item) => item.archivePath),
    ['README.md', 'src/lib'],
  );
  assert.deepEqual(plan.excludes, ['node_modules/']);
  assert.equal(plan.destination, null);
  assert.match(editor.messages('info')[0], /Added 2 items to plan "work"\. Choose the teammate it backs up to in the settings\./);
  assert.deepEqual(editor.shown[0].actions, ['Open Settings']);
});

test('adding a folder that contains designated files to an existing plan merges them, and says so', async (t) => {
  const { editor, store, workspaceDir } = await setUp(t);
  const peerId = generateIdentity().peerId;
  await store.plans.create({ name: 'nightly', destination: peerId, schedule: 'daily 02:00', excludes: [], items: [] });
  editor.pick('nightly');
  await editor.run('peerBackup.addToPlan', FakeUri.file(join(workspaceDir, 'src', 'lib', 'a.ts')), undefined);
  editor.pick('nightly');
  await editor.run('peerBackup.addToPlan', FakeUri.file(join(workspaceDir, 'src')), [FakeUri.file(join(workspaceDir, 'src'))]);
  editor.assertAllAnswersUsed();
  assert.deepEqual(
    (await store.plans.get('nightly')).items.map((item) => item.archivePath),
    ['src'],
  );
  assert.match(editor.messages('info')[1], /Added "src" to plan "nightly"\. \(.*src now includes .*a\.ts\.\)$/);
});

test('a resource that is not on this disk is refused with a message, and nothing is asked', async (t) => {
  const { editor } = await setUp(t);
  await editor.run('peerBackup.addToPlan', new FakeUri('untitled', 'Untitled-1'), undefined);
  assert.deepEqual(editor.messages('error'), ['untitled://Untitled-1 is not a file on this machine\'s disk, so Peer Backup cannot back it up.']);
});

test('"Create Backup Plan" asks a name, the folders (the workspace\'s offered), a teammate (adding one on the way, typos refused) and a schedule', async (t) => {
  const { editor, store, workspaceDir } = await setUp(t);
  mkdirSync(join(workspaceDir, 'node_modules'));
  mkdirSync(join(workspaceDir, '.git'));
  const alice = generateIdentity().peerId;
  const typo = `${alice.slice(0, 3)}${alice[3] === 'A' ? 'B' : 'A'}${alice.slice(4)}`;
  const refusals: (string | undefined)[] = [];
  let offered: string[] = [];
  editor
    .type('nightly')
    .answer((prompt) => {
      assert.equal(prompt.kind, 'quickPick');
      assert.equal((prompt as { options?: { canPickMany?: boolean } }).options?.canPickMany, true);
      const items = (prompt as { items: { label: string }[] }).items;
      offered = items.map((item) => item.label);
      return items.filter((item) => item.label.endsWith(' src'));
    })
    .pick('Add Teammate')
    .type('alice')
    .typeAfterRefusals(['hello', typo, alice.toLowerCase()], alice.toLowerCase(), refusals)
    .pick('daily 02:00');
  await editor.run('peerBackup.createPlan');
  editor.assertAllAnswersUsed();

  assert.deepEqual(offered, ['$(root-folder) workspace', '$(folder) src', '$(folder-opened) Browse...'], 'the workspace, its folders but not node_modules or hidden ones, and Browse');
  assert.deepEqual((await store.plans.get('nightly')).items.map((item) => item.archivePath), ['src']);

  assert.match(refusals[0] ?? '', /is not a peer ID/);
  assert.match(refusals[1] ?? '', /has a typo/);
  assert.equal(refusals[2], undefined);
  const plan = await store.plans.get('nightly');
  assert.equal(plan.destination, alice);
  assert.equal(plan.schedule, 'daily 02:00');
  assert.equal((await store.destinations.find('alice'))?.peerId, alice);
  assert.equal(editor.messages('info')[0], 'Created plan "nightly": 1 folder to alice, daily 02:00.');
});

test('"Run Backup Plan Now" with no plans says how to make one', async (t) => {
  const { editor } = await setUp(t);
  await editor.run('peerBackup.runPlan');
  assert.match(editor.messages('error')[0], /There are no backup plans yet: run "Peer Backup: Create Backup Plan"/);
});
