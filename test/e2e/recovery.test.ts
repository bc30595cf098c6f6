/**
 * The day the laptop dies, in real editors. Editor A (its own profile, on
 * home 1) backs a folder up to a teammate's real receiver and shows the
 * recovery kit's code, read off the dialog. Then a second editor with a
 * fresh profile and a fresh, empty home (the new machine) runs "Recover
 * From a Teammate...", enters the teammate's peer ID and the code, and
 * restores into an empty folder: the files come back byte-identical, and
 * the new home holds the old peer ID. On the way, the first editor's
 * settings panel shows what the teammate holds (with
 * PEER_BACKUP_DOC_IMAGES=1 saved as docs/images/panel-teammate-figures.png).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, runCliJson } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';
import { packagedVsixPath, startEditor, stepsOf, type Editor } from './harness';

const docImages = resolve(__dirname, '../../docs/images');
const recoveryCode = /\b((?:[a-z]+\s+){23}[a-z]+)\b/;

/** code-server's folder dialog is a quick input holding a path; it writes its starting folder in once read, which can land after a fill. */
async function chooseFolder(editor: Editor, folder: string, button: string): Promise<void> {
  const pathInput = editor.page.locator('.quick-input-widget input');
  for (const deadline = Date.now() + 30_000; (await pathInput.inputValue()) === '' && Date.now() < deadline; ) await sleep(100);
  for (let attempt = 0; attempt < 20 && (await pathInput.inputValue()) !== `${folder}/`; attempt++) {
    await pathInput.fill(`${folder}/`);
    await sleep(200);
  }
  assert.equal(await pathInput.inputValue(), `${folder}/`, 'the folder dialog kept replacing the typed path');
  await editor.page.locator('.quick-input-widget .monaco-button', { hasText: button }).click();
  const dialog = editor.page.locator('.quick-input-widget');
  if (!(await dialog.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false))) await pathInput.press('Enter');
}

test('a second editor with a fresh profile and home recovers the backups with the teammate\'s peer ID and the recovery code', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const laptop = await makeHome(t);
  await allow(teammate.home, laptop.peerId, '100MB');
  await startReceiver(t, teammate.home, registry.url);
  const workspace = tempDir(t);
  const work = writeFixtureTree(join(workspace, 'work'));
  const env = { PEER_BACKUP_HOME: laptop.home, PEER_BACKUP_REGISTRY: registry.url };
  for (const args of [['dest', 'add', 'alice', teammate.peerId], ['plan', 'add', 'work', work, '--dest', 'alice']]) {
    const result = await runCli(args, { env });
    assert.equal(result.code, 0, result.stderr);
  }

  let current: Editor | undefined;
  const step = stepsOf(t, () => current!);
  const settings = { 'peerBackup.registryUrl': registry.url };
  const laptopEditor = await startEditor({ artifactsName: 'recovery-laptop', workspaceDir: workspace, vsixPath: packagedVsixPath, settings, peerBackupHome: laptop.home });
  t.after(() => laptopEditor.stop());
  current = laptopEditor;
  let code = '';

  await step('1. the laptop shows its recovery kit: the code is read off the dialog', async () => {
    await laptopEditor.runCommand('Peer Backup: Show Recovery Kit');
    const dialog = laptopEditor.page.locator('.monaco-dialog-box', { hasText: 'Your recovery code' });
    await dialog.waitFor();
    const match = recoveryCode.exec(await dialog.innerText());
    assert.ok(match, 'the dialog shows 24 words');
    code = match[1].split(/\s+/).join(' ');
    await laptopEditor.screenshot('recovery-code');
    await laptopEditor.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  await step('2. the laptop backs the folder up, leaving the kit with the teammate', async () => {
    await laptopEditor.runCommand('Peer Backup: Run Backup Plan Now');
    await laptopEditor.page.locator('.quick-input-list .monaco-list-row', { hasText: 'work' }).first().click();
    await laptopEditor.notification('Backed up "work"').waitFor({ timeout: 120_000 });
    const kit = await runCliJson<{ heldBy: string[]; code?: string }>(['recovery-kit'], { env });
    assert.deepEqual(kit.heldBy, [teammate.peerId], 'the teammate holds the kit');
    assert.equal(kit.code, undefined, 'the code was shown once, and is not kept');
  });

  await step('3. the settings panel shows what the teammate holds: stored bytes, snapshots, last verify', async () => {
    await laptopEditor.runCommand('Peer Backup: Open Settings');
    const cell = laptopEditor.webview().locator(`#teammate-${teammate.peerId}-figures`);
    await cell.locator('.figure-stored').waitFor();
    assert.match(await cell.locator('.figure-stored').innerText(), /^[\d.]+ (B|KiB|MiB) stored of 100 MiB allowed$/);
    assert.match(await cell.locator('.figure-snapshots').innerText(), /^1 snapshot, (\S+ \S+) to \1$/);
    assert.equal(await cell.locator('.figure-verify').innerText(), 'Last verify: never');
    await cell.scrollIntoViewIfNeeded();
    const shot = await laptopEditor.screenshot('teammate-figures');
    if (process.env.PEER_BACKUP_DOC_IMAGES === '1') copyFileSync(shot, join(docImages, 'panel-teammate-figures.png'));
  });

  await laptopEditor.stop();
  const newHome = tempDir(t);
  const newWorkspace = tempDir(t);
  const target = join(tempDir(t), 'recovered');
  mkdirSync(target);
  const newEditor = await startEditor({ artifactsName: 'recovery-new-machine', workspaceDir: newWorkspace, vsixPath: packagedVsixPath, settings, peerBackupHome: newHome });
  t.after(() => newEditor.stop());
  current = newEditor;

  await step('4. the new machine recovers: teammate\'s peer ID, the code, an empty folder', async () => {
    await newEditor.runCommand('Peer Backup: Recover From a Teammate...');
    await newEditor.typeInQuickInput('(1/3)', teammate.peerId);
    await newEditor.typeInQuickInput('(2/3)', code);
    await newEditor.page.locator('.quick-input-widget .quick-input-title', { hasText: '(3/3)' }).waitFor();
    await chooseFolder(newEditor, target, 'Restore Here');
    // The new editor may have made a key of its own at start: replacing it is asked first.
    const replaceKey = newEditor.page.locator('.monaco-dialog-box', { hasText: 'already has a key of its own' });
    const recovered = newEditor.notification('Recovered: this machine is peer');
    await replaceKey.or(recovered).first().waitFor({ timeout: 120_000 });
    if (await replaceKey.isVisible()) await replaceKey.getByRole('button', { name: "Replace This Editor's Key" }).click();
    await recovered.waitFor({ timeout: 120_000 });
    await newEditor.screenshot('recovered');
    const diff = spawnSync('diff', ['-r', '--no-dereference', work, join(target, 'work')], { encoding: 'utf8' });
    assert.equal(diff.status, 0, diff.stdout + diff.stderr);
    const { peerId } = await runCliJson<{ peerId: string }>(['id', '--home', newHome]);
    assert.equal(peerId, laptop.peerId, 'the new home holds the old peer ID');
  });
});
