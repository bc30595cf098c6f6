/**
 * Keyboard reach in the real editor, with one plan and one teammate: Tab
 * from the settings panel's start visits every button, text field, dropdown
 * and checkbox it holds, and each section's heading toggle, each named for
 * what it does and for the plan or teammate it belongs to; in the Plans view
 * the arrow keys reach the plan and each of its details, and the plan's
 * actions open from the keyboard. Edit and a Teammates item open the panel
 * at their plan or teammate, focused there, the other sections collapsed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeHome } from '../helpers/peers';
import { tempDir } from '../helpers/temp';
import { packagedVsixPath, startEditor, stepsOf, type Editor } from './harness';

const planName = 'nightly';
const teammateName = 'alice';
/** The panel's controls: what Tab must reach. */
const maxMenuPresses = 10;
const interactiveSelector = 'summary, vscode-button, vscode-text-field, vscode-text-area, vscode-dropdown, vscode-checkbox, button, input, select, textarea, a[href]';

interface Control {
  id: string;
  name: string;
  /** Whether the name is an aria-label (else the control's own text, as for a section's heading). */
  labelled: boolean;
  /** The plan or teammate whose card or row holds the control, if any. */
  owner: string | undefined;
}

/** The ids of the panel's sections that are open (not collapsed). */
function openSections(editor: Editor): Promise<string[]> {
  return editor
    .webview()
    .locator('section[id]')
    .evaluateAll((sections) => sections.filter((section) => section.querySelector(':scope > details')?.hasAttribute('open')).map((section) => section.id));
}

test('the settings panel and the Plans view are reachable by keyboard', async (t) => {
  const workspace = tempDir(t);
  writeFileSync(join(workspace, 'notes.md'), '# notes\n');
  const teammate = await makeHome(t);
  const editor = await startEditor({ artifactsName: 'keyboard', workspaceDir: workspace, vsixPath: packagedVsixPath });
  t.after(() => editor.stop());
  const step = stepsOf(t, () => editor);

  await step('1. one plan and one teammate', async () => {
    await editor.chooseExplorerMenuItem('notes.md', 'Add to Backup Plan...');
    await editor.page.locator('.quick-input-list .monaco-list-row', { hasText: 'New Backup Plan...' }).first().click();
    await editor.typeInQuickInput('New Backup Plan', planName);
    await editor.notification(new RegExp(`to plan "${planName}"`)).waitFor();
    await editor.runCommand('Peer Backup: Add Teammate');
    await editor.typeInQuickInput('Add Teammate (1/2)', teammateName);
    await editor.typeInQuickInput('Add Teammate (2/2)', teammate.peerId);
    await editor.notification(new RegExp(`Added ${teammateName}`)).waitFor();
  });

  await step('2. Tab from the panel start visits every control, each named for its plan or teammate', async () => {
    await editor.runCommand('Peer Backup: Open Settings');
    const panel = editor.webview();
    await panel.locator(`#teammates-table tr`, { hasText: teammateName }).waitFor();
    await panel.locator(`article.card[data-plan="${planName}"]`).waitFor();
    const controls: Control[] = await panel.locator('body').evaluate((body, selector) => {
      // No named helpers in here: the page runs this function's source as it is.
      return [...body.querySelectorAll(selector)]
        .filter((element) => !element.hasAttribute('disabled') && (element as unknown as { offsetParent: unknown }).offsetParent !== null)
        .map((element) => ({
          id: element.id,
          name: element.getAttribute('aria-label') ?? element.textContent?.trim() ?? '',
          labelled: element.hasAttribute('aria-label'),
          owner: element.closest('article.card[data-plan]')?.getAttribute('data-plan') ?? element.closest('tr[data-teammate]')?.getAttribute('data-teammate') ?? undefined,
        }));
    }, interactiveSelector);
    assert.ok(controls.some((control) => control.owner === planName), 'the plan card has controls');
    assert.ok(controls.some((control) => control.owner === teammateName), "the teammate's row has controls");
    for (const control of controls) assert.ok(control.id, `a control without an id: ${JSON.stringify(control)}`);

    // Clicking the title puts the start of Tab order at the panel's top, as a user would.
    await panel.locator('h1').click();
    const visited: Control[] = [];
    for (let presses = 0; presses <= controls.length + 1; presses += 1) {
      await editor.page.keyboard.press('Tab');
      const focused = await panel.locator('body').evaluate((body) => {
        const active = body.ownerDocument.activeElement;
        if (!active || active === body) return undefined;
        return { id: active.id, name: active.getAttribute('aria-label') ?? active.textContent?.trim() ?? '' };
      });
      if (!focused || visited.some((control) => control.id === focused.id)) break;
      const control = controls.find((each) => each.id === focused.id);
      visited.push({ ...focused, labelled: control?.labelled ?? false, owner: control?.owner });
    }
    assert.deepEqual(
      visited.map((control) => control.id),
      controls.map((control) => control.id),
      'Tab visits every control of the panel, in the order they appear',
    );
    for (const control of visited) {
      assert.ok(control.name.trim(), `${control.id} has an accessible name`);
      if (control.owner) assert.ok(control.name.includes(control.owner), `${control.id} ("${control.name}") names ${control.owner}`);
      // The name is the one assistive technology gets: Playwright finds the control by it.
      if (control.labelled) assert.ok((await panel.getByLabel(control.name, { exact: true }).count()) >= 1, `Playwright finds ${control.id} by its name "${control.name}"`);
    }
  });

  await step('3. the arrow keys reach the plan and each of its details in the Plans view, and its actions open from the keyboard', async () => {
    await editor.page.locator('.activitybar [aria-label^="Peer Backup"]').first().click();
    const planRow = editor.page.locator(`.monaco-list-row[aria-label^="Plan ${planName}:"]`);
    await planRow.waitFor();
    const tree = editor.page.locator('.monaco-list', { has: planRow });
    const rows = await tree.locator('.monaco-list-row').evaluateAll((elements) => elements.map((element) => element.getAttribute('aria-label') ?? ''));
    assert.ok(rows[0].startsWith(`Plan ${planName}:`), rows[0]);
    assert.ok(rows.some((label) => label.startsWith(`Plan ${planName} backs up `) && label.endsWith('notes.md')), rows.join('\n'));
    const focusedRow = (label: string) => tree.locator('.monaco-list-row.focused').and(editor.page.locator(`[aria-label="${label.replace(/"/g, '\\"')}"]`));
    await tree.focus();
    await editor.page.keyboard.press('Home');
    await focusedRow(rows[0]).waitFor();
    for (const row of rows.slice(1)) {
      await editor.page.keyboard.press('ArrowDown');
      await focusedRow(row).waitFor();
    }

    // Back on the plan, its inline actions are shown, and the context menu key offers them.
    await editor.page.keyboard.press('Home');
    await focusedRow(rows[0]).waitFor();
    for (const action of ['Run Backup Plan Now', 'Edit Backup Plan']) await planRow.locator(`.actions [aria-label="${action}"]`).waitFor();
    await editor.page.keyboard.press('Shift+F10');
    await editor.page.locator('.context-view .action-label', { hasText: 'Run Backup Plan Now' }).first().waitFor();
    const highlighted = editor.page.locator('.context-view .action-item.focused');
    for (let presses = 0; !(await highlighted.filter({ hasText: 'Edit Backup Plan' }).count()); presses += 1) {
      assert.ok(presses < maxMenuPresses, `Edit Backup Plan is not in the plan's context menu`);
      await editor.page.keyboard.press('ArrowDown');
      await highlighted.first().waitFor();
    }
    await editor.page.keyboard.press('Enter');
    // Edit opens the panel at that plan, its schedule field focused, the other sections collapsed.
    const panel = editor.webview();
    await panel.locator(`[id$="-schedule"]:focus`).waitFor();
    assert.equal(await panel.locator('body').evaluate((body) => body.ownerDocument.activeElement?.closest('article.card')?.getAttribute('data-plan')), planName);
    assert.deepEqual(await openSections(editor), ['plans']);
  });

  await step('4. choosing a teammate in the Teammates view opens the panel at that teammate', async () => {
    const row = editor.page.locator(`.monaco-list-row[aria-label^="Teammate ${teammateName}:"]`);
    await row.waitFor();
    const tree = editor.page.locator('.monaco-list', { has: row });
    await tree.focus();
    await editor.page.keyboard.press('Home');
    await tree.locator('.monaco-list-row.focused').and(row).waitFor();
    await editor.page.keyboard.press('Enter');
    await editor.webview().locator(`tr[data-teammate="${teammateName}"]:focus`).waitFor();
    assert.deepEqual(await openSections(editor), ['teammates']);
  });
});
