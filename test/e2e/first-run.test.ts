/**
 * From install to the first backup, in a real editor whose profile holds
 * nothing but the installed VSIX, with nothing running: the walkthrough opens
 * by itself, and its buttons alone host the registry, add the teammate (a CLI
 * receiver on loopback), make a plan for a folder and run it. Each step is
 * seen to complete, and the views then show the plan and the teammate.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFixtureTree } from '../helpers/fixture-tree';
import { allow, makeHome, startReceiver } from '../helpers/peers';
import { tempDir } from '../helpers/temp';
import { packagedVsixPath, startEditor, stepsOf, type Editor } from './harness';

const walkthroughId = 'peer-backup.peer-backup#peerBackup.firstRun';

/**
 * Opens a walkthrough step and clicks one of its buttons. The step opens by
 * its title: the middle of an open step can be one of its buttons, and a
 * click there would run the command a second time.
 */
async function clickStepButton(editor: Editor, stepId: string, button: string): Promise<void> {
  const step = editor.page.locator(`[data-step-id="${walkthroughId}#${stepId}"]`);
  await step.locator('.step-title').click();
  await editor.page.locator(`[data-step-id="${walkthroughId}#${stepId}"][aria-expanded="true"]`).waitFor();
  await step.getByRole('button', { name: button, exact: true }).click();
}

function stepDone(editor: Editor, stepId: string) {
  return editor.page.locator(`[data-done-step-id="${walkthroughId}#${stepId}"][aria-checked="true"]`);
}

test('the walkthrough takes a fresh install to its first backup', async (t) => {
  const workspace = tempDir(t);
  writeFixtureTree(join(workspace, 'src'));
  const teammate = await makeHome(t);

  // The editor's own default, which the harness turns off for other tests.
  const editor = await startEditor({ artifactsName: 'first-run', workspaceDir: workspace, vsixPath: packagedVsixPath, openWalkthroughs: true });
  t.after(() => editor.stop());
  const step = stepsOf(t, () => editor);
  let myPeerId = '';
  let registryPort = '';

  await step('1. the walkthrough opens by itself on the first run', async () => {
    await editor.page.locator('.gettingStartedContainer', { hasText: 'Get Started with Peer Backup' }).waitFor();
    await editor.screenshot('walkthrough');
  });

  await step('2. Copy My Peer ID: the ID is on the clipboard and the step is done', async () => {
    await clickStepButton(editor, 'shareId', 'Copy My Peer ID');
    const copied = editor.notification(/Copied your peer ID/);
    await copied.waitFor();
    const match = /([A-Z2-7]{6}(?:-[A-Z2-7]{6}){5})/.exec(await copied.innerText());
    assert.ok(match, await copied.innerText());
    myPeerId = match[1];
    await stepDone(editor, 'shareId').waitFor();
  });

  await step('3. Host a Registry Here: the editor serves it and says which URL teammates use', async () => {
    await clickStepButton(editor, 'chooseRegistry', 'Host a Registry Here');
    const hosted = editor.notification(/This machine hosts the registry/);
    await hosted.waitFor();
    const match = /teammates set their registry URL to http:\/\/[\d.]+:(\d+)/.exec(await hosted.innerText());
    assert.ok(match, await hosted.innerText());
    registryPort = match[1];
    await stepDone(editor, 'chooseRegistry').waitFor();
    await editor.screenshot('registry-hosted');
  });

  await step('4. the teammate (the CLI) allows this peer ID and receives through that registry', async () => {
    await allow(teammate.home, myPeerId, '1GB');
    await startReceiver(t, teammate.home, `http://127.0.0.1:${registryPort}`);
  });

  await step('5. Add Teammate: a name and the peer ID', async () => {
    await clickStepButton(editor, 'addTeammate', 'Add Teammate');
    await editor.typeInQuickInput('Add Teammate (1/2)', 'teammate');
    await editor.typeInQuickInput('Add Teammate (2/2)', teammate.peerId);
    await editor.notification(/Added teammate/).waitFor();
    await stepDone(editor, 'addTeammate').waitFor();
  });

  await step('6. Create Backup Plan: a name, the src folder, the teammate, a schedule', async () => {
    await clickStepButton(editor, 'designate', 'Create Backup Plan');
    await editor.typeInQuickInput('Create Backup Plan (1/4)', 'first');
    await editor.page.locator('.quick-input-widget', { hasText: 'Create Backup Plan (2/4)' }).waitFor();
    await editor.page.locator('.quick-input-list .monaco-list-row', { has: editor.page.getByText('src', { exact: true }) }).click();
    await editor.page.locator('.quick-input-widget', { hasText: '1 Selected' }).waitFor();
    await editor.screenshot('pick-folders');
    await editor.page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).click();
    await editor.pickInQuickInput('teammate');
    await editor.pickInQuickInput('daily 18:00');
    await editor.notification(/Created plan "first": 1 folder to teammate, daily 18:00\./).waitFor();
    await stepDone(editor, 'designate').waitFor();
  });

  await step('7. Run Backup Plan Now: the first backup succeeds', async () => {
    await clickStepButton(editor, 'firstBackup', 'Run Backup Plan Now');
    await editor.pickInQuickInput('first');
    await editor.notification(/Backed up "first" to teammate: \d+ files, [\d.]+ (B|KiB|MiB)\./).waitFor({ timeout: 120_000 });
    await stepDone(editor, 'firstBackup').waitFor();
    await editor.statusBarItem(/first: backed up just now/).waitFor();
    await editor.screenshot('walkthrough-done');
  });

  await step('8. the Peer Backup views show the plan and the teammate', async () => {
    await editor.page.locator('.activitybar [aria-label^="Peer Backup"]').first().click();
    await editor.page.locator('.monaco-list-row[aria-label^="Plan first: 1 path to teammate"]').waitFor();
    await editor.page.locator('.monaco-list-row[aria-label^="Teammate teammate: online"]').waitFor();
    await editor.page.locator('.monaco-list-row[aria-label^="Plan first, last run: succeeded"]').waitFor();
    await editor.screenshot('views');
  });
});
