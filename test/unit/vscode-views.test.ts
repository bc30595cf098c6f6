/** The Plans, Teammates and Receiving views: what each node says, to the eye and to a screen reader, and the plan's inline actions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { openStore } from '../../src/core/store';
import type { TreeNode } from '../../src/vscode/views/tree';
import { activateInFakeEditor, type FakeEditor } from '../helpers/fake-vscode';
import { makeHome } from '../helpers/peers';
import { tempDir } from '../helpers/temp';

/** Every node of a view, depth first, as [label, accessible label, description]. */
async function rows(editor: FakeEditor, viewId: string): Promise<string[][]> {
  const provider = editor.treeViews.get(viewId) as vscode.TreeDataProvider<TreeNode> | undefined;
  assert.ok(provider, `no view ${viewId}`);
  const walk = async (parent: TreeNode | undefined): Promise<string[][]> => {
    const children = (await provider.getChildren(parent)) ?? [];
    const nested = await Promise.all(
      children.map(async (child) => {
        const item = await provider.getTreeItem(child);
        return [[String(item.label), item.accessibilityInformation?.label ?? '', String(item.description ?? '')], ...(await walk(child))];
      }),
    );
    return nested.flat();
  };
  return walk(undefined);
}

test('the views show each plan, teammate and allowed sender by name, with labels that say whose they are', async (t) => {
  const workspaceDir = tempDir(t);
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir, storageDir: tempDir(t) });
  const alice = await makeHome(t);
  const bob = await makeHome(t);
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  await store.destinations.add('alice', alice.peerId);
  const plan = await store.plans.create({ name: 'nightly', destination: alice.peerId, schedule: 'daily 18:00', excludes: [], items: [{ sourcePath: workspaceDir, archivePath: 'work' }] });
  await store.runs.finish(await store.runs.start(plan.id), { status: 'succeeded', files: 2, bytes: 3 * 1024 * 1024 });
  await store.allowedSenders.allow(bob.peerId, 10 * 1024 ** 3, 'bob');

  const plans = await rows(editor, 'peerBackup.plans');
  assert.deepEqual(plans[0].slice(0, 1), ['nightly']);
  assert.match(plans[0][1], /^Plan nightly: 1 path to alice, every day at 18:00 \(local time, [^)]+\); next run \d{4}-\d\d-\d\d 18:00; last run succeeded just now$/);
  assert.equal(plans[0][2], '1 path to alice');
  assert.deepEqual(
    plans.slice(1).map(([label]) => label.replace(/\d{4}-\d\d-\d\d/, 'DATE').replace(/ \(local time, [^)]+\)/, '')),
    ['Teammate: alice', 'work', 'Schedule: every day at 18:00', 'Next run: DATE 18:00', 'Last run: succeeded just now'],
  );
  for (const [, accessible] of plans) assert.match(accessible, /nightly/, 'every node names its plan');

  const teammates = await rows(editor, 'peerBackup.teammates');
  assert.equal(teammates.length, 1);
  assert.equal(teammates[0][0], 'alice');
  assert.match(teammates[0][1], /^Teammate alice: (offline|online state unknown), last backup just now$/);

  const receiving = await rows(editor, 'peerBackup.receiving');
  assert.deepEqual(receiving[0].slice(0, 1), ['Not receiving']);
  assert.deepEqual(receiving[1], ['bob', 'bob may back up here: 0 B of 10 GiB used', '0 B of 10 GiB used']);
});

test('the Plans view\'s inline Edit opens the settings panel at that plan', async (t) => {
  const { editor, databaseFile } = await activateInFakeEditor(t, { workspaceDir: tempDir(t), storageDir: tempDir(t) });
  const store = await openStore(databaseFile);
  t.after(() => store.close());
  await store.plans.create({ name: 'nightly', destination: null, schedule: 'manual', excludes: [], items: [] });
  const provider = editor.treeViews.get('peerBackup.plans') as vscode.TreeDataProvider<TreeNode>;
  const [node] = (await provider.getChildren(undefined)) ?? [];
  assert.equal((await provider.getTreeItem(node)).contextValue, 'plan');

  await editor.run('peerBackup.editPlan', node);
  const [panel] = editor.panels;
  assert.ok(panel, 'the settings panel opened');
  await panel.webview.send({ kind: 'ready' });
  const kinds = panel.webview.posted.map((message) => (message as { kind: string }).kind);
  const revealAt = kinds.indexOf('reveal');
  assert.ok(revealAt > kinds.indexOf('state') && kinds.indexOf('state') >= 0, `the reveal follows the first state: ${kinds.join(', ')}`);
  assert.deepEqual(panel.webview.posted[revealAt], { kind: 'reveal', plan: 'nightly' });
});
