/**
 * The journey in a real VS Code: designate a folder from the explorer,
 * set the plan up in the settings panel, back it up to a teammate's real
 * receiver, check what the teammate stored with GNU tar, restore it into a
 * new folder, and see a clear reason when the teammate is offline. Every
 * step waits for what a user would see, and the files are compared on disk.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../helpers/cli';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { makeHome, startReceiver, startRegistry } from '../helpers/peers';
import { tempDir } from '../helpers/temp';
import { packagedVsixPath, startEditor, stepsOf, type Editor } from './harness';

/** Chooses an option of a toolkit dropdown by its visible text. */
async function choose(editor: Editor, dropdownSelector: string, option: string): Promise<void> {
  const dropdown = editor.webview().locator(dropdownSelector);
  await dropdown.click();
  await dropdown.locator('vscode-option', { hasText: option }).first().click();
}

test('designate, configure, back up, verify, restore, and see why a backup failed', async (t) => {
  const registry = await startRegistry(t);
  const teammate = await makeHome(t);
  const receiver = await startReceiver(t, teammate.home, registry.url);
  const workspace = tempDir(t);
  writeFixtureTree(join(workspace, 'src'));

  const editor = await startEditor({ artifactsName: 'journey', workspaceDir: workspace, vsixPath: packagedVsixPath, settings: { 'peerBackup.registryUrl': registry.url } });
  t.after(() => editor.stop());
  const panel = editor.webview();
  let myPeerId = '';
  /** A step of the journey; when it fails, a screenshot shows what the user saw. */
  const step = stepsOf(t, () => editor);

  await step('1. right-click src, Add to Backup Plan..., create plan "nightly"', async () => {
    await editor.chooseExplorerMenuItem('src', 'Add to Backup Plan...');
    await editor.pickInQuickInput('New Backup Plan...');
    await editor.typeInQuickInput('New Backup Plan', 'nightly');
    await editor.notification(/Added "src" to plan "nightly"/).waitFor();
    await editor.screenshot('added-to-plan');
  });

  await step('2. in the settings panel: add the teammate, set destination and schedule; next runs appear', async () => {
    await editor.runCommand('Peer Backup: Open Settings');
    await panel.locator('#plans-heading').waitFor();
    myPeerId = (await panel.locator('#my-peer-id').innerText()).trim();
    assert.match(myPeerId, /^([A-Z2-7]{6}-){5}[A-Z2-7]{6}$/);
    // The teammate allows this editor's peer ID, as they would after being told it.
    const allowed = await runCli(['allow', myPeerId, '--quota', '1GB', '--home', teammate.home]);
    assert.equal(allowed.code, 0, allowed.stderr);

    await panel.locator('#teammate-label input').fill('teammate');
    await panel.locator('#teammate-peer-id input').fill(teammate.peerId);
    await panel.locator('#teammate-add').click();
    await panel.locator('#teammates-table', { hasText: teammate.peerId }).waitFor();

    await choose(editor, 'vscode-dropdown[aria-label="Teammate for plan nightly"]', `teammate (${teammate.peerId.slice(0, 6)}`);
    await choose(editor, 'vscode-dropdown[aria-label="Schedule preset for plan nightly"]', 'daily 18:00');
    await panel.locator('[id$="-schedule-preview"]', { hasText: 'Next:' }).first().waitFor();
    await panel.locator('vscode-button[aria-label="Save plan nightly"]').click();
    await panel.locator('#plan-1-form-notice', { hasText: 'Saved.' }).waitFor();
    const destination = await panel.locator('vscode-dropdown[aria-label="Teammate for plan nightly"]').evaluate((element) => (element as unknown as { value: string }).value);
    assert.equal(destination, teammate.peerId);
    assert.match(await panel.locator('[id$="-schedule-preview"]').first().innerText(), /every day at 18:00 .*Next: \S+ 18:00, \S+ 18:00, \S+ 18:00/);
    await editor.screenshot('plan-configured');
  });

  await step('3. Run now: progress, a successful history row, the status bar', async () => {
    await panel.locator('vscode-button[aria-label="Run plan nightly now"]').click();
    await editor.notification(/Backing up "nightly"/).waitFor();
    await editor.screenshot('progress');
    await editor.notification(/Backed up "nightly"/).waitFor({ timeout: 120_000 });
    const row = panel.locator('#history-table tr', { hasText: 'succeeded' }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /nightly/);
    assert.match(await row.innerText(), /\b4\b/); // files
    await editor.statusBarItem(/nightly: backed up/).waitFor();
    await editor.screenshot('succeeded');
  });

  await step('4. the teammate holds the snapshot: packs GNU tar lists, with nothing of the folder readable', () => {
    const store = join(teammate.home, 'storage', myPeerId, 'v2');
    assert.equal(readdirSync(join(store, 'snapshots')).filter((name) => name.endsWith('.json')).length, 1);
    const packs = readdirSync(join(store, 'packs'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.tar'));
    assert.ok(packs.length > 0, 'the teammate holds no pack');
    for (const pack of packs) {
      const listing = execFileSync('tar', ['-tf', join(store, 'packs', pack)], { encoding: 'utf8' }).trim().split('\n');
      for (const name of listing) assert.match(name, /^[0-9a-f]{64}(\.r)?$/);
      const bytes = readFileSync(join(store, 'packs', pack));
      for (const clear of ['main.ts', 'résumé final.txt', 'export const answer']) assert.ok(!bytes.includes(clear), `${clear} is readable in pack ${pack}`);
    }
  });

  await step('5. Restore Snapshot... into a new folder gives back the same files', async () => {
    const target = join(tempDir(t), 'restored');
    mkdirSync(target);
    await editor.runCommand('Peer Backup: Restore Snapshot...');
    await editor.pickInQuickInput('nightly');
    await editor.page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    await editor.screenshot('pick-snapshot');
    await editor.page.locator('.quick-input-list .monaco-list-row').first().click();
    // code-server's folder dialog is a quick input holding a path. It writes
    // its starting folder into the input once it has read it, which can land
    // after a fill: wait for that first, then fill until the value holds.
    const pathInput = editor.page.locator('.quick-input-widget input');
    for (const deadline = Date.now() + 30_000; (await pathInput.inputValue()) === '' && Date.now() < deadline; ) await sleep(100);
    for (let attempt = 0; attempt < 20 && (await pathInput.inputValue()) !== `${target}/`; attempt++) {
      await pathInput.fill(`${target}/`);
      await sleep(200);
    }
    assert.equal(await pathInput.inputValue(), `${target}/`, 'the folder dialog kept replacing the typed path');
    await editor.screenshot('choose-folder');
    await editor.page.locator('.quick-input-widget .monaco-button', { hasText: 'Restore Here' }).click();
    const dialog = editor.page.locator('.quick-input-widget');
    if (!(await dialog.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false))) await pathInput.press('Enter');
    // The files on disk are the proof; the toast is what the user is told.
    const restoredAll = () => spawnSync('diff', ['-r', '--no-dereference', join(workspace, 'src'), join(target, 'src')], { encoding: 'utf8' });
    for (const deadline = Date.now() + 90_000; restoredAll().status !== 0 && Date.now() < deadline; ) await sleep(250);
    const diff = restoredAll();
    assert.equal(diff.status, 0, diff.stdout + diff.stderr);
    await editor.notification(/Restored \d+ files/).waitFor();
    await editor.screenshot('restored');
  });

  await step('6. with the teammate offline, Run now fails and says so', async () => {
    await receiver.stop('SIGKILL');
    await panel.locator('vscode-button[aria-label="Run plan nightly now"]').click();
    const failure = editor.notification(/The backup of "nightly" failed/);
    await failure.waitFor({ timeout: 180_000 });
    assert.match(await failure.innerText(), /offline/);
    await panel.locator('#history-table tr', { hasText: 'failed' }).first().waitFor();
    assert.match(await panel.locator('#history-table tr', { hasText: 'failed' }).first().innerText(), /offline/);
    await editor.screenshot('offline');
    assert.equal(existsSync(join(teammate.home, 'storage', '.tmp')) ? readdirSync(join(teammate.home, 'storage', '.tmp')).length : 0, 0);
  });
});
