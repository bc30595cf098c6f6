import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { openStore } from '../../src/core/store';
import { identitySecretKey } from '../../src/vscode/services';
import { activateInFakeEditor } from '../helpers/fake-vscode';
import { tempDir } from '../helpers/temp';

test('"Copy My Peer ID" copies the identity kept in SecretStorage, the same in every window', async (t) => {
  const storageDir = tempDir(t);
  const first = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir });
  await first.editor.run('peerBackup.copyPeerId');
  const peerId = first.editor.clipboard;
  assert.match(peerId, /^[A-Z2-7]{6}(-[A-Z2-7]{6}){5}$/);
  assert.match(first.editor.secrets.get(identitySecretKey) ?? '', /^-----BEGIN PRIVATE KEY-----/);
  assert.match(first.editor.messages('info')[0], new RegExp(`^Copied your peer ID ${peerId}\\.`));

  const second = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir }, (editor) => {
    for (const [key, value] of first.editor.secrets) editor.secrets.set(key, value);
  });
  await second.editor.run('peerBackup.copyPeerId');
  assert.equal(second.editor.clipboard, peerId);
});

test('"Add Teammate" refuses a taken name as it is typed, and "Allow a Teammate" grants a quota under their name', async (t) => {
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  const bob = generateIdentity().peerId;
  await store.destinations.add('bob', bob);

  const refusals: (string | undefined)[] = [];
  editor.typeAfterRefusals(['bob', '  '], 'carol', refusals).type(generateIdentity().peerId);
  await editor.run('peerBackup.addTeammate');
  assert.deepEqual(refusals, ['"bob" is taken: choose another name.', 'Give the teammate a name, for example alice.']);
  assert.ok(await store.destinations.find('carol'));

  const quotaRefusals: (string | undefined)[] = [];
  editor.type(bob).typeAfterRefusals(['lots'], '5GB', quotaRefusals);
  await editor.run('peerBackup.allowTeammate');
  editor.assertAllAnswersUsed();
  assert.match(quotaRefusals[0] ?? '', /"lots" is not a size/);
  const allowed = await store.allowedSenders.find(bob);
  assert.equal(allowed?.quotaBytes, 5 * 1024 ** 3);
  assert.equal(allowed?.label, 'bob');
  const [message] = editor.shown.filter((shown) => shown.message.startsWith('bob ('));
  assert.match(message.message, /may now store up to 5 GiB of backups here\. Start receiving so they can reach this machine\./);
  assert.deepEqual(message.actions, ['Start Receiving']);
});
