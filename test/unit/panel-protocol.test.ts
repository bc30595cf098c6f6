/**
 * The settings panel's message protocol, both sides for real: the webview's
 * PanelClient talks to the extension's host through a fake webview, over a
 * real database.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity } from '../../src/core/identity/keys';
import { openStore } from '../../src/core/store';
import type { FromWebview, PanelState, ToWebview } from '../../src/vscode/panel/protocol';
import { PanelClient, RequestFailed } from '../../media/settings/rpc';
import { activateInFakeEditor, type FakeWebviewPanel } from '../helpers/fake-vscode';
import { tempDir } from '../helpers/temp';

async function openPanel(t: Parameters<typeof tempDir>[0]) {
  // A registry nobody listens on: teammates' status is "unknown", quickly.
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) }, (fake) => fake.setConfig('registryUrl', 'http://127.0.0.1:9'));
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  await editor.run('peerBackup.openSettings');
  const panel = editor.panels[0];
  const states: PanelState[] = [];
  const client = new PanelClient(
    (message: FromWebview) => void panel.webview.send(message),
    (state) => states.push(state),
  );
  panel.webview.onPosted = (message) => client.receive(message as ToWebview);
  return { editor, store, panel, client, states };
}

function rejectsWithFields(promise: Promise<unknown>, fields: string[]): Promise<void> {
  return assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof RequestFailed, `expected RequestFailed, got ${String(err)}`);
    assert.deepEqual(Object.keys(err.fieldErrors).sort(), [...fields].sort());
    return true;
  });
}

test('the host sends nothing until the webview says ready, then the state', async (t) => {
  const { editor, panel, client, states } = await openPanel(t);
  assert.match(panel.webview.html, /<main id="app"/);
  assert.deepEqual(panel.webview.posted, []);
  client.ready();
  // A second state may follow at once (the registry check reporting back): the first is the one checked here.
  await editor.waitFor(() => states.length >= 1, 'the first state');
  assert.equal(states[0].registryUrl, 'http://127.0.0.1:9');
  assert.match(states[0].peerId ?? '', /^[A-Z2-7]{6}(-[A-Z2-7]{6}){5}$/);
  assert.deepEqual(states[0].plans, []);
  assert.ok(states[0].schedulePresets.includes('daily 02:00'));
});

test('each reply settles the request with its id, even when replies come back in another order', async () => {
  const posted: FromWebview[] = [];
  const client = new PanelClient(
    (message) => posted.push(message),
    () => undefined,
  );
  const first = client.request('previewSchedule', { schedule: 'hourly' });
  const second = client.request('createPlan', { name: 'x' });
  assert.deepEqual(
    posted.map((message) => (message.kind === 'request' ? [message.requestId, message.method] : message.kind)),
    [
      [1, 'previewSchedule'],
      [2, 'createPlan'],
    ],
  );
  client.receive({ kind: 'reply', requestId: 2, ok: false, message: 'taken', fieldErrors: { name: 'taken' } });
  client.receive({ kind: 'reply', requestId: 99, ok: true, result: 'stray' });
  client.receive({ kind: 'reply', requestId: 1, ok: true, result: { summary: 'every hour', nextRuns: [] } });
  assert.deepEqual(await first, { summary: 'every hour', nextRuns: [] });
  await assert.rejects(second, (err: unknown) => err instanceof RequestFailed && err.fieldErrors.name === 'taken');
});

test('saving a plan checks every field and returns each error under its field; nothing is saved until all pass', async (t) => {
  const { editor, store, client, states } = await openPanel(t);
  client.ready();
  await client.request('createPlan', { name: 'nightly' });
  await rejectsWithFields(client.request('createPlan', { name: 'nightly' }), ['name']);

  const typo = generateIdentity().peerId.replace(/^./, (first) => (first === 'A' ? 'B' : 'A'));
  await rejectsWithFields(client.request('savePlan', { plan: 'nightly', destination: typo, schedule: 'daily 25:00', excludes: 'build/' }), ['destination', 'schedule']);
  assert.equal((await store.plans.get('nightly')).schedule, 'manual');

  const alice = generateIdentity().peerId;
  await client.request('addTeammate', { label: 'alice', peerId: alice });
  await client.request('savePlan', { plan: 'nightly', destination: 'alice', schedule: 'weekly MON 9:30', excludes: 'build/\n\n  *.log \n' });
  const saved = await store.plans.get('nightly');
  assert.equal(saved.destination, alice);
  assert.equal(saved.schedule, 'weekly mon 09:30');
  assert.deepEqual(saved.excludes, ['build/', '*.log']);
  await editor.waitFor(() => states.at(-1)?.plans[0]?.schedule === 'weekly mon 09:30', 'the state after saving');
  const view = states.at(-1)!.plans[0];
  assert.equal(view.nextRuns.length, 3);
  assert.match(view.scheduleSummary, /every Monday at 09:30/);
  assert.equal(states.at(-1)!.teammates[0].reachability, 'unknown');
});

test('teammates, allowed senders, ports and registry URLs are checked field by field', async (t) => {
  const { client } = await openPanel(t);
  client.ready();
  await rejectsWithFields(client.request('addTeammate', { label: ' ', peerId: 'not-an-id' }), ['label', 'peerId']);
  await rejectsWithFields(client.request('allowSender', { peerId: generateIdentity().peerId, label: '', quota: '10 parsecs' }), ['quota']);
  await rejectsWithFields(client.request('saveReceiver', { port: '70000', storageFolder: 'relative/folder' }), ['port', 'storageFolder']);
  await rejectsWithFields(client.request('saveRegistryUrl', { registryUrl: 'ftp://registry' }), ['registryUrl']);
  const preview = await client.request('previewSchedule', { schedule: 'every 15 minutes' });
  assert.equal(preview.nextRuns.length, 3);
  await rejectsWithFields(client.request('previewSchedule', { schedule: 'every 7 minutes' }), ['schedule']);
});

test('a malformed message is logged and shown, never dispatched; bad parameters get an error reply', async (t) => {
  const { editor, panel } = await openPanel(t);
  await (panel as FakeWebviewPanel).webview.send({ kind: 'request', requestId: 1, method: 'dropDatabase', params: {} });
  assert.deepEqual(panel.webview.posted, []);
  assert.ok(editor.logLines.some((line) => line.startsWith('[error] a panel message failed unexpectedly: Error: malformed message from the webview')));
  await panel.webview.send({ kind: 'request', requestId: 2, method: 'createPlan', params: { name: 42 } });
  assert.deepEqual(panel.webview.posted, [{ kind: 'reply', requestId: 2, ok: false, message: 'The panel sent a malformed request; see the log.', fieldErrors: {} }]);
});
