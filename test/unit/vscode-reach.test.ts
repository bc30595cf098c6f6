/**
 * Reachability in the editor: once receiving, the status bar's tooltip and
 * the settings panel's receiving section say whether teammates can reach
 * this machine (the registry, on loopback here, connects back); and a bad
 * entry in a list of registry URLs is named in the panel and when used.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { PanelState } from '../../src/vscode/panel/protocol';
import { checkRegistryUrl } from '../../src/vscode/settings';
import { activateInFakeEditor, type FakeEditor } from '../helpers/fake-vscode';
import { startTestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Opens the settings panel and returns a reader of the latest state it was sent. */
async function openPanel(editor: FakeEditor): Promise<() => PanelState | undefined> {
  await editor.run('peerBackup.openSettings');
  const panel = editor.panels[0];
  await panel.webview.send({ kind: 'ready' });
  return () =>
    (panel.webview.posted as { kind: string; state?: PanelState }[])
      .filter((message) => message.kind === 'state')
      .map((message) => message.state)
      .at(-1);
}

test('receiving: the status bar and the panel say teammates can reach this machine once the registry connected back', async (t) => {
  const registry = await startTestRegistry(t);
  const port = await freePort();
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) }, (fake) => {
    fake.config.set('registryUrl', registry.url);
    fake.config.set('receiver.port', port);
    fake.config.set('receiver.storageFolder', tempDir(t));
  });
  const state = await openPanel(editor);
  await editor.waitFor(() => state() !== undefined, 'the panel state');
  assert.equal(state()?.receiving.reach, undefined, 'nothing to say while not receiving');

  await editor.run('peerBackup.startReceiving');
  const line = `Teammates can reach you at 127.0.0.1:${port}`;
  const item = editor.statusBarItems[0];
  await editor.waitFor(() => String(item.tooltip).split('\n').includes(line), 'the reach line in the tooltip');
  await editor.waitFor(() => state()?.receiving.reach === line, 'the reach line in the panel');
  assert.equal(state()?.receiving.reachable, true);
  assert.equal(state()?.receiving.portMapping, undefined, 'no router was asked: mapping is off');

  await editor.run('peerBackup.stopReceiving');
  await editor.waitFor(() => state()?.receiving.reach === undefined, 'the line to go when receiving stops');
  assert.ok(!String(item.tooltip).includes('Teammates can reach you'));
});

test('receiving with a registry that does not answer: the panel says the check could not be made', async (t) => {
  const [silentPort, port] = [await freePort(), await freePort()];
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) }, (fake) => {
    fake.config.set('registryUrl', `http://127.0.0.1:${silentPort}`); // nothing listens there
    fake.config.set('receiver.port', port);
    fake.config.set('receiver.storageFolder', tempDir(t));
  });
  const state = await openPanel(editor);
  await editor.run('peerBackup.startReceiving');
  await editor.waitFor(() => state()?.receiving.reach !== undefined, 'the reach line');
  assert.match(state()?.receiving.reach ?? '', /^Could not check whether teammates can reach you: /);
  assert.equal(state()?.receiving.reachable, undefined);
});

test('a list of registry URLs is accepted; a bad entry is named with what to do', () => {
  assert.equal(checkRegistryUrl(' http://a.example:7420/ , https://b.example:7420 '), 'http://a.example:7420,https://b.example:7420');
  assert.throws(() => checkRegistryUrl('http://a.example:7420, ftp://b.example'), {
    message: '"ftp://b.example" (entry 2 of 2) is not a registry URL: give it as http://HOST:PORT, e.g. http://127.0.0.1:7420; several separated by commas.',
  });
  assert.throws(() => checkRegistryUrl(' , '), { message: /^no registry URL given: give it as http:\/\/HOST:PORT/ });
});

test('a bad entry in peerBackup.registryUrl is named in the panel and where the registry is used', async (t) => {
  const { editor } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) }, (fake) => fake.config.set('registryUrl', 'http://127.0.0.1:9,registry.example:7420'));
  const state = await openPanel(editor);
  const named = /^peerBackup\.registryUrl: "registry\.example:7420" \(entry 2 of 2\) is not a registry URL: give it as http:\/\/HOST:PORT/;
  await editor.waitFor(() => state() !== undefined, 'the panel state');
  assert.match(state()?.registryProblem ?? '', named);
  const item = editor.statusBarItems[0];
  await editor.waitFor(() => item.text === '$(warning) Peer Backup: registry not answering', 'the status bar warning');
  assert.match(String(item.tooltip), named);
});
