/**
 * The editor's recovery commands against real registry and receiver
 * processes: the recovery code shown once, then a new machine (a second
 * editor with empty storage) recovering from the teammate with it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/core/store';
import { activateInFakeEditor, type FakeEditor } from '../helpers/fake-vscode';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

const codePattern = /\n\n((?:[a-z]+ ){23}[a-z]+)\n\n/;

/** The code in the next modal, which is answered with `action` (or dismissed). */
function readCodeFromModal(editor: FakeEditor, seen: string[], action?: string): FakeEditor {
  return editor.answer((prompt) => {
    assert.equal(prompt.kind, 'modal');
    const { message } = prompt as { message: string };
    const code = codePattern.exec(message)?.[1];
    assert.ok(code, `no 24-word code in: ${message}`);
    assert.match(message, /off this machine/);
    seen.push(code);
    return action;
  });
}

test('"Show Recovery Kit" shows the code once (Copy puts it on the clipboard), then when it was made, and makes a new code on request', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  const codes: string[] = [];
  readCodeFromModal(editor, codes, 'Copy Code');
  await editor.run('peerBackup.showRecoveryKit');
  assert.equal(editor.clipboard, codes[0]);

  let second = '';
  editor.answer((prompt) => {
    assert.equal(prompt.kind, 'modal');
    second = (prompt as { message: string }).message;
    return 'Make a New Code';
  });
  readCodeFromModal(editor, codes);
  await editor.run('peerBackup.showRecoveryKit');
  editor.assertAllAnswersUsed();
  assert.doesNotMatch(second, codePattern, 'the code is shown once only');
  assert.match(second, /Your recovery kit was made .*; its code was shown then and is not kept here\. No teammate holds it yet/);
  assert.equal(codes.length, 2);
  assert.notEqual(codes[1], codes[0], 'a new code');
  assert.deepEqual(editor.messages('error'), []);
});

test('a new machine recovers from a teammate with the code: peer ID checked as typed, keys back, the latest snapshot restored', async (t) => {
  const registry = await startRegistry(t);
  const receiverHome = await makeHome(t);
  await startReceiver(t, receiverHome.home, registry.url);

  const workspaceDir = tempDir(t);
  mkdirSync(join(workspaceDir, 'notes'));
  writeFileSync(join(workspaceDir, 'notes', 'todo.md'), 'buy milk\n');
  const storageDir = tempDir(t);
  const { editor: old } = await activateInFakeEditor(t, { workspaceDir, storageDir }, (fake) => fake.config.set('registryUrl', registry.url));
  await old.run('peerBackup.copyPeerId');
  const oldPeerId = old.clipboard;
  await allow(receiverHome.home, oldPeerId, '100MB');
  const store = await openStore(join(storageDir, 'peer-backup.db'));
  t.after(() => store.close());
  await store.plans.create({ name: 'notes', destination: receiverHome.peerId, schedule: 'manual', excludes: [], items: [{ sourcePath: join(workspaceDir, 'notes'), archivePath: 'notes' }] });
  await old.run('peerBackup.runPlan', 'notes');
  assert.match(old.messages('info').at(-1) ?? '', /Backed up "notes"/);
  const codes: string[] = [];
  readCodeFromModal(old, codes);
  await old.run('peerBackup.showRecoveryKit');
  old.assertAllAnswersUsed();

  const { editor: fresh } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) }, (fake) => fake.config.set('registryUrl', registry.url));
  const target = tempDir(t);
  const peerIdRefusals: (string | undefined)[] = [];
  const codeRefusals: (string | undefined)[] = [];
  fresh
    .typeAfterRefusals(['not a peer id'], receiverHome.peerId, peerIdRefusals)
    .typeAfterRefusals(['only three words'], codes[0], codeRefusals)
    .chooseFiles(target)
    .answer((prompt) => {
      // The new editor made a key of its own when it started: recovering replaces it, after asking.
      assert.equal(prompt.kind, 'modal');
      assert.match((prompt as { message: string }).message, new RegExp(`^This editor already has a key of its own: .* than the recovered one \\(${oldPeerId}\\)\\. Recovering replaces it`));
      return "Replace This Editor's Key";
    });
  await fresh.run('peerBackup.recoverFromTeammate');
  fresh.assertAllAnswersUsed();

  assert.match(peerIdRefusals[0] ?? '', /is not a peer ID/);
  assert.equal(codeRefusals[0], 'A recovery code has 24 words; this has 3.');
  assert.deepEqual(fresh.messages('error'), []);
  assert.equal(readFileSync(join(target, 'notes', 'todo.md'), 'utf8'), 'buy milk\n');
  assert.match(fresh.messages('info').at(-1) ?? '', new RegExp(`^Recovered: this machine is peer ${oldPeerId} again\\. Restored 1 file of "notes" \\(.*\\) into ${target}\\.`));
  await fresh.run('peerBackup.copyPeerId');
  assert.equal(fresh.clipboard, oldPeerId, 'the new editor has the old identity');
});

test('recovering into a folder that is not empty is refused before anything is fetched', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  const target = tempDir(t);
  writeFileSync(join(target, 'keep.txt'), 'mine');
  const { peerId } = await makeHome(t);
  editor
    .type(peerId)
    .type(Array.from({ length: 24 }, () => 'abandon').join(' '))
    .chooseFiles(target);
  await editor.run('peerBackup.recoverFromTeammate');
  editor.assertAllAnswersUsed();
  assert.deepEqual(editor.messages('error'), [`${target} is not empty: choose an empty folder to restore into, so no file of yours is replaced.`]);
  assert.equal(editor.progress.length, 0, 'nothing was fetched');
});
