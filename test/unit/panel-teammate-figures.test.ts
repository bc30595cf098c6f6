/**
 * The teammates table's figures, asked for by the panel's webview client and
 * answered by the host over a real registry and receiver: stored bytes of
 * the quota, the snapshots held (count, oldest, newest) and the last
 * verify; a teammate that is down, or that never answers, is "not reachable
 * now" within the timeout instead of a hung row.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { App, homeAt } from '../../src/core/app';
import { openStore } from '../../src/core/store';
import type { FromWebview, ToWebview } from '../../src/vscode/panel/protocol';
import { PanelClient } from '../../media/settings/rpc';
import { activateInFakeEditor } from '../helpers/fake-vscode';
import { allow, announceAt, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

test('the panel gets each teammate\'s stored bytes, snapshots and last verify, and "not reachable now" once they are down', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const receiver = await startReceiver(t, teammate.home, registry.url);
  const workspaceDir = tempDir(t);
  const notes = join(workspaceDir, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'todo.md'), 'v1\n');
  const storageDir = tempDir(t);
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir, storageDir }, (fake) => fake.config.set('registryUrl', registry.url));
  await editor.run('peerBackup.copyPeerId');
  await allow(teammate.home, editor.clipboard, '100MB');
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  await store.destinations.add('alice', teammate.peerId);
  await store.plans.create({ name: 'notes', destination: teammate.peerId, schedule: 'manual', excludes: [], items: [{ sourcePath: notes, archivePath: 'notes' }] });
  await editor.run('peerBackup.runPlan', 'notes');
  writeFileSync(join(notes, 'todo.md'), 'v2\n');
  await editor.run('peerBackup.runPlan', 'notes');
  editor.pick('Quick');
  await editor.run('peerBackup.verifyPlan', 'notes');

  await editor.run('peerBackup.openSettings');
  const panel = editor.panels[0];
  const client = new PanelClient(
    (message: FromWebview) => void panel.webview.send(message),
    () => undefined,
  );
  panel.webview.onPosted = (message) => client.receive(message as ToWebview);

  const figures = await client.request('teammateFigures', { peerId: teammate.peerId });
  assert.equal(figures.reachable, true);
  assert.match(figures.stored ?? '', /^\d+(\.\d+)? (B|KiB|MiB) stored of 100 MiB allowed$/);
  assert.match(figures.snapshots ?? '', /^2 snapshots, \d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d$/);
  assert.match(figures.lastVerify, /^good, \d{4}-\d\d-\d\d \d\d:\d\d \(plan notes\)$/);

  await receiver.stop('SIGKILL');
  const down = await client.request('teammateFigures', { peerId: teammate.peerId });
  assert.equal(down.reachable, false);
  assert.match(down.problem ?? '', /^not reachable now: /);
  assert.equal(down.stored, undefined);
  assert.equal(down.lastVerify, figures.lastVerify, 'the last verify is this machine\'s record, known without the teammate');
});

test('a teammate that accepts the connection but never answers is reported within the timeout', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  const held: Socket[] = [];
  const silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of held) socket.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  await announceAt(registry.url, teammate.home, port);
  const app = new App({ home: homeAt(laptop.home), registryUrl: () => registry.url });
  t.after(() => app.close());
  await app.teammates.add('bob', teammate.peerId);

  const figures = await app.teammates.figures('bob', { timeoutMs: 500 });
  assert.deepEqual(figures, { peerId: teammate.peerId, reachable: false, problem: 'no answer within 0.5 s' });
  assert.ok(held.length > 0, 'the connection was made, and got no answer');
});
