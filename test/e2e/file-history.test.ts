/**
 * A file's history in a real VS Code allowed the proposed Timeline API:
 * a file backed up twice (to a real receiver) and changed since shows its
 * two backed-up versions in the Timeline view; choosing the older opens
 * the diff against the working copy, and "Restore This Version", after the
 * confirmation, writes its bytes back to disk.
 *
 * The backups are made with the CLI on a home the editor shares
 * (peerBackup.home), so the editor starts with the history in place.
 * With PEER_BACKUP_DOC_IMAGES=1 the Timeline and the diff are also saved as
 * docs/images/timeline-versions.png and timeline-diff.png.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator } from 'playwright-core';
import { runCli, runCliJson } from '../helpers/cli';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';
import { packagedVsixPath, startEditor, stepsOf } from './harness';

const docImages = resolve(__dirname, '../../docs/images');
const first = '# To do\n\n- first version\n';
const second = '# To do\n\n- first version\n- second version, backed up\n';

/** Waits until the element stops moving (a toast slides in), so a screenshot shows it whole. */
async function settled(element: Locator): Promise<void> {
  let previous = '';
  for (let reads = 0; reads < 50; reads++) {
    const box = JSON.stringify(await element.boundingBox());
    if (box === previous) return;
    previous = box;
    await sleep(100);
  }
}

test('the Timeline lists a file\'s backed-up versions; one opens in a diff and is restored after the confirmation', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  await allow(teammate.home, laptop.peerId, '100MB');
  await startReceiver(t, teammate.home, registry.url);
  const workspace = tempDir(t);
  const notes = join(workspace, 'notes');
  const todo = join(notes, 'todo.md');
  mkdirSync(notes);
  writeFileSync(todo, first);
  const env = { PEER_BACKUP_HOME: laptop.home, PEER_BACKUP_REGISTRY: registry.url };
  for (const args of [['dest', 'add', 'alice', teammate.peerId], ['plan', 'add', 'notes', notes, '--dest', 'alice']]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 0, result.stderr);
  }
  await runCliJson(['run', 'notes'], { env });
  writeFileSync(todo, second);
  await runCliJson(['run', 'notes'], { env });
  writeFileSync(todo, '# To do\n\n- rewritten since, not backed up\n');

  const editor = await startEditor({
    artifactsName: 'file-history',
    workspaceDir: workspace,
    vsixPath: packagedVsixPath,
    settings: { 'peerBackup.registryUrl': registry.url },
    peerBackupHome: laptop.home,
    enableProposedApi: true,
  });
  t.after(() => editor.stop());
  const { page } = editor;
  const step = stepsOf(t, () => editor);
  const versions = page.locator('.timeline-tree-view .monaco-list-row', { hasText: 'Backup at alice' });

  await step('1. open the file: the Timeline view lists its two backed-up versions, newest first', async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.fill('todo.md');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'todo.md' }).first().click();
    await page.locator('.tab.active', { hasText: 'todo.md' }).waitFor();
    await editor.runCommand('Explorer: Focus on Timeline View');
    await versions.nth(1).waitFor();
    assert.equal(await versions.count(), 2);
    const descriptions = await versions.locator('.label-description').allInnerTexts();
    assert.deepEqual(descriptions.map((text) => text.trim()), [`${second.length} B`, `${first.length} B`]);
    const shot = await editor.screenshot('timeline-versions');
    if (process.env.PEER_BACKUP_DOC_IMAGES === '1') copyFileSync(shot, join(docImages, 'timeline-versions.png'));
  });

  await step('2. choose the older version: the diff against the working copy opens', async () => {
    await versions.nth(1).click();
    await page.locator('.tab.active', { hasText: /todo\.md \(backup of .*\) ↔ working copy/ }).waitFor();
    await page.locator('.monaco-diff-editor').first().waitFor();
    const restoreButton = editor.notification('Comparing the backup of').getByRole('button', { name: 'Restore This Version' });
    await restoreButton.waitFor();
    await settled(restoreButton);
    const shot = await editor.screenshot('timeline-diff');
    if (process.env.PEER_BACKUP_DOC_IMAGES === '1') copyFileSync(shot, join(docImages, 'timeline-diff.png'));
  });

  await step('3. Restore This Version, confirmed: the file on disk holds the older bytes', async () => {
    await editor.notification('Comparing the backup of').getByRole('button', { name: 'Restore This Version' }).click();
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Replace' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Replace the Working Copy' }).click();
    await editor.notification(`Restored ${todo} to the version of`).waitFor();
    assert.equal(readFileSync(todo, 'utf8'), first);
  });
});
