import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { RegistryClient } from '../../src/core/registry/registry-client';
import { ReceiverSwitch } from '../../src/vscode/receiver-switch';
import { Services } from '../../src/vscode/services';
import { activateInFakeEditor, FakeEditor } from '../helpers/fake-vscode';
import { startTestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One editor window's services and receiver switch over shared global storage and secrets. */
function window(t: Parameters<typeof tempDir>[0], storageDir: string, secrets: Map<string, string>, settings: Record<string, unknown>, retryMs: number) {
  const editor = new FakeEditor(tempDir(t));
  for (const [key, value] of Object.entries(settings)) editor.config.set(key, value);
  const context = editor.context(storageDir, tempDir(t));
  (context as { secrets: unknown }).secrets = { get: async (key: string) => secrets.get(key), store: async (key: string, value: string) => void secrets.set(key, value) };
  const services = new Services(editor.api, context, editor.api.window.createOutputChannel('Peer Backup', { log: true }) as vscode.LogOutputChannel);
  const receiver = new ReceiverSwitch(services, retryMs);
  t.after(async () => {
    await receiver.stop();
    await services.close();
  });
  return { editor, services, receiver };
}

test('with two windows open, one receives and the other takes over when it stops', async (t) => {
  const registry = await startTestRegistry(t);
  const storageDir = tempDir(t);
  const secrets = new Map<string, string>();
  const settings = { registryUrl: registry.url, 'receiver.enabled': true, 'receiver.port': await freePort(), 'receiver.storageFolder': tempDir(t) };
  const first = window(t, storageDir, secrets, settings, 50);
  const second = window(t, storageDir, secrets, settings, 50);

  const serving = await first.receiver.sync();
  assert.equal(serving.state, 'on');
  const waiting = await second.receiver.sync();
  assert.equal(waiting.state, 'waiting');
  assert.match(waiting.state === 'waiting' ? waiting.reason : '', /already in use/); // the storage folder or the port, whichever is found first
  const peerId = (await first.services.app().identity()).peerId;
  await first.editor.waitFor(async () => (await new RegistryClient(registry.url).lookup(peerId, { fresh: true }).then(() => true, () => false)), 'the announcement');

  first.editor.setConfig('receiver.enabled', false);
  assert.equal((await first.receiver.sync()).state, 'off');
  await second.editor.waitFor(() => second.receiver.status.state === 'on', 'the second window to take over');
  assert.ok(second.editor.logLines.some((line) => line.startsWith('[warning] Not receiving in this window:')));
});

test('Start and Stop Receiving flip the setting and report where the receiver listens', async (t) => {
  const port = await freePort();
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) }, (fake) => {
    fake.config.set('registryUrl', 'http://127.0.0.1:9');
    fake.config.set('receiver.port', port);
  });
  await editor.run('peerBackup.startReceiving');
  assert.equal(editor.config.get('receiver.enabled'), true);
  assert.match(editor.messages('info')[0], new RegExp(`^Receiving teammates' backups on port ${port} as [A-Z2-7-]{41}\\.$`));
  await editor.run('peerBackup.stopReceiving');
  assert.equal(editor.config.get('receiver.enabled'), false);
  assert.equal(editor.messages('info')[1], 'Stopped receiving backups. Snapshots already stored here stay.');

  editor.config.set('receiver.port', 0);
  await editor.run('peerBackup.startReceiving');
  assert.match(editor.messages('error')[0], /^Receiving is switched on, but this window does not receive: peerBackup\.receiver\.port is 0: use a port from 1 to 65535/);
});
