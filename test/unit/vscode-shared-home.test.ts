import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { loadOrCreateIdentity } from '../../src/core/identity/key-file';
import { openStore } from '../../src/core/store';
import { Services } from '../../src/vscode/services';
import { FakeEditor } from '../helpers/fake-vscode';
import { tempDir } from '../helpers/temp';

function servicesFor(t: Parameters<typeof tempDir>[0], home: string) {
  const editor = new FakeEditor(tempDir(t));
  editor.config.set('home', home);
  const services = new Services(editor.api, editor.context(tempDir(t), tempDir(t)), editor.api.window.createOutputChannel('Peer Backup', { log: true }) as vscode.LogOutputChannel);
  t.after(() => services.close());
  return { editor, services };
}

test('peerBackup.home shares the CLI home: its database, its key file, one peer ID', async (t) => {
  const home = tempDir(t);
  const cliIdentity = await loadOrCreateIdentity(home);
  const cliStore = await openStore(join(home, 'peer-backup.db'));
  await cliStore.plans.create({ name: 'from-the-cli', destination: null, schedule: 'manual', excludes: [], items: [] });
  await cliStore.close();

  const { editor, services } = servicesFor(t, home);
  assert.equal((await services.app().identity()).peerId, cliIdentity.peerId);
  assert.deepEqual((await services.app().plans.list()).map((plan) => plan.name), ['from-the-cli']);
  assert.equal(editor.secrets.size, 0, 'the key stays in the home, not in secret storage');
});

test('a peerBackup.home that does not exist is named, and nothing is created', async (t) => {
  const missing = join(tempDir(t), 'typo');
  const { services } = servicesFor(t, missing);
  assert.throws(() => services.app(), new RegExp(`peerBackup.home is ${missing}, which does not exist`));
  await assert.rejects(async () => services.app().identity(), /which does not exist/);
  assert.equal(existsSync(missing), false);
});

test('a relative peerBackup.home is refused with an example', async (t) => {
  const { services } = servicesFor(t, 'peer-home');
  assert.throws(() => services.app(), /give an absolute folder path \(e\.g\. ~\/\.peer-backup\)/);
});
