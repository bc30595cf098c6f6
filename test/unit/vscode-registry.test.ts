/**
 * The registry in the editor: hosting one (a real server on loopback, the
 * same as `peer-backup registry`), stopping it, and a run against a registry
 * that does not answer failing at once with a way to change the setting.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { openStore } from '../../src/core/store';
import { activateInFakeEditor } from '../helpers/fake-vscode';
import { makeHome } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('"Host a Registry on This Machine" serves a registry from global storage, points this editor at it, and offers its URL to copy; stopping ends it', async (t) => {
  const storageDir = tempDir(t);
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir }, (fake) => fake.config.set('registryUrl', `http://127.0.0.1:${0}`));
  await editor.run('peerBackup.hostRegistry');
  const url = String(editor.config.get('registryUrl'));
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(existsSync(join(storageDir, 'registry.db')), 'its database is in global storage');
  const shown = editor.shown.find((each) => /hosts the registry/.test(each.message));
  assert.ok(shown, editor.messages().join('\n'));
  assert.match(shown.message, /^This machine hosts the registry: teammates set their registry URL to http:\/\/[\d.]+:\d+\.$/);
  assert.deepEqual(shown.actions, ['Copy URL', 'Stop Hosting']);
  // It is a registry: it answers a look-up the way the CLI's does.
  await assert.rejects(new RegistryClient(url).lookup((await makeHome(t)).peerId), /is not registered/);
  await editor.waitFor(() => editor.contextValues.get('peerBackup.hostingRegistry') === true, 'the walkthrough to see this machine host the registry');
  await editor.waitFor(() => editor.contextValues.get('peerBackup.registryAnswers') === true, 'the walkthrough to see the registry answer');

  await editor.run('peerBackup.copyRegistryUrl');
  assert.match(editor.clipboard, /^http:\/\/[\d.]+:\d+$/);
  assert.equal(editor.clipboard.split(':').pop(), url.split(':').pop(), 'the same port, at an address teammates can reach');

  await editor.run('peerBackup.stopHostingRegistry');
  await assert.rejects(new RegistryClient(url, { timeoutMs: 2000 }).lookup((await makeHome(t)).peerId), /does not answer/);
  await editor.waitFor(() => editor.contextValues.get('peerBackup.hostingRegistry') === false, 'the context key');
});

test('a run against a registry that does not answer fails at once, saying so, with buttons to change the registry or host one', async (t) => {
  const workspaceDir = tempDir(t);
  const storageDir = tempDir(t);
  const silentUrl = `http://127.0.0.1:${await closedPort()}`;
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir, storageDir }, (fake) => fake.config.set('registryUrl', silentUrl));
  const teammate = await makeHome(t);
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  await store.destinations.add('alice', teammate.peerId);
  await store.plans.create({ name: 'nightly', destination: teammate.peerId, schedule: 'manual', excludes: [], items: [{ sourcePath: workspaceDir, archivePath: 'work' }] });

  await editor.run('peerBackup.runPlan', 'nightly');
  const failure = editor.shown.find((each) => each.level === 'error');
  assert.ok(failure, editor.messages().join('\n'));
  assert.equal(failure.message, `The backup of "nightly" failed: the registry at ${silentUrl} does not answer.`);
  assert.deepEqual(failure.actions, ['Change Registry URL', 'Host a Registry Here', 'Show Log']);
  const progress = editor.progress.find((each) => each.title === 'Backing up "nightly"');
  assert.ok(progress);
  assert.ok(!progress.messages.some((message) => /trying again/.test(message)), `no retries: ${progress.messages.join(' | ')}`);

  editor.type(silentUrl);
  await editor.run('peerBackup.changeRegistryUrl');
  assert.match(editor.messages('error').at(-1) ?? '', new RegExp(`^The registry at ${silentUrl} does not answer`));
});

test('"Change Registry URL..." refuses what is not a URL as it is typed', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  const refusals: (string | undefined)[] = [];
  editor.typeAfterRefusals(['not a url', 'ftp://x'], 'not a url', refusals);
  await editor.run('peerBackup.changeRegistryUrl');
  assert.match(refusals[0] ?? '', /"not a url" is not a registry URL: give it as http:\/\/HOST:PORT/);
  assert.match(refusals[1] ?? '', /is not a registry URL/);
});
