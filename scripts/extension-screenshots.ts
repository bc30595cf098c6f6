/**
 * Screenshots of the extension's surfaces in a real editor, for the README
 * and docs/EXTENSION.md: the Explorer menu, and the walkthrough (each of
 * its steps opened in turn), the Peer Backup views and the settings panel in
 * a light, a dark and a high-contrast theme. Needs `npm run package` (the
 * VSIX) and `npm run setup:e2e` (code-server, Chromium); writes
 * docs/images/*.png. Also fails if the panel's document reports a Content
 * Security Policy violation.
 *
 *   node --import tsx scripts/extension-screenshots.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clickMenuItem, packagedVsixPath, startEditor, type Editor } from '../test/e2e/harness';
import { startUntilReady } from './lib/start-until-ready';
import { cliArgs, cliEnv } from './lib/cli-args';

const root = resolve(__dirname, '..');
const cli = join(root, 'dist', 'cli.js');
const imagesDir = join(root, 'docs', 'images');

const walkthroughViewport = { width: 1600, height: 1100 };
const walkthroughId = 'peer-backup.peer-backup#peerBackup.firstRun';

interface WalkthroughStep {
  id: string;
  media: { markdown: string };
}

/** The walkthrough's steps as the manifest declares them, so a new step gets its screenshots too. */
function walkthroughSteps(): WalkthroughStep[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { walkthroughs: { steps: WalkthroughStep[] }[] } };
  return manifest.contributes.walkthroughs[0].steps;
}

/** The step's page opens with a heading; seeing it means the step's media has rendered. */
function stepHeading(step: WalkthroughStep): string {
  const heading = /^#+\s+(.+)$/m.exec(readFileSync(join(root, step.media.markdown), 'utf8'));
  if (!heading) throw new Error(`${step.media.markdown} has no heading to wait for`);
  return heading[1].trim();
}

/** Opens each walkthrough step in turn and saves walkthrough-<step>-<theme>.png once its page shows. */
async function captureWalkthroughSteps(editor: Editor, themeName: string): Promise<void> {
  // Wide enough for the steps and the opened step's page to sit side by side.
  const viewport = editor.page.viewportSize();
  await editor.page.setViewportSize(walkthroughViewport);
  for (const step of walkthroughSteps()) {
    const button = editor.page.locator(`[data-step-id="${walkthroughId}#${step.id}"]`);
    await button.click();
    await editor.page.locator(`[data-step-id="${walkthroughId}#${step.id}"][aria-expanded="true"]`).waitFor();
    await editor.webview().getByRole('heading', { name: stepHeading(step) }).waitFor();
    await editor.page.screenshot({ path: join(imagesDir, `walkthrough-${step.id}-${themeName}.png`) });
  }
  if (viewport) await editor.page.setViewportSize(viewport);
}

const themes = [
  { name: 'light', colorTheme: 'Default Light Modern' },
  { name: 'dark', colorTheme: 'Default Dark Modern' },
  { name: 'high-contrast', colorTheme: 'Default High Contrast' },
];

function writeWorkspace(dir: string): void {
  mkdirSync(join(dir, 'src', 'utils'), { recursive: true });
  writeFileSync(join(dir, 'src', 'main.ts'), "console.log('hello');\n");
  writeFileSync(join(dir, 'src', 'utils', 'greet.ts'), 'export const greet = (name: string) => `Hello, ${name}!`;\n');
  writeFileSync(join(dir, 'README.md'), '# Sample project\n');
}

async function typeInQuickInput(editor: Editor, text: string): Promise<void> {
  const input = editor.page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(text);
  await input.press('Enter');
}

async function pickInQuickInput(editor: Editor, label: string): Promise<void> {
  await editor.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().click();
}

async function capture(theme: (typeof themes)[number], registryUrl: string, teammatePeerId: string): Promise<void> {
  const workspaceDir = mkdtempSync(join(tmpdir(), 'peer-backup-shots-'));
  writeWorkspace(workspaceDir);
  const editor = await startEditor({
    artifactsName: `screenshots-${theme.name}`,
    workspaceDir,
    vsixPath: packagedVsixPath,
    settings: { 'workbench.colorTheme': theme.colorTheme, 'peerBackup.registryUrl': registryUrl },
    openWalkthroughs: true,
  });
  const cspViolations: string[] = [];
  editor.page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  try {
    // The walkthrough opens by itself on the first run.
    await editor.page.locator('.gettingStartedContainer', { hasText: 'Get Started with Peer Backup' }).waitFor();
    await captureWalkthroughSteps(editor, theme.name);

    // The Explorer menu, then a plan made from it.
    await editor.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'src' }).first().click({ button: 'right' });
    await editor.page.locator('.context-view .action-label', { hasText: 'Add to Backup Plan...' }).first().waitFor();
    if (theme.name === 'light') await editor.page.screenshot({ path: join(imagesDir, 'explorer-menu.png') });
    await clickMenuItem(editor.page, editor.page.locator('.context-view .action-label', { hasText: 'Add to Backup Plan...' }).first());
    await pickInQuickInput(editor, 'New Backup Plan...');
    await typeInQuickInput(editor, 'nightly');
    await editor.notification(/Added "src" to plan "nightly"/).waitFor();

    await editor.runCommand('Peer Backup: Add Teammate');
    await typeInQuickInput(editor, 'alice');
    // The second box reuses the first's widget: type only once it is the second.
    await editor.page.locator('.quick-input-widget', { hasText: 'Add Teammate (2/2)' }).waitFor();
    await typeInQuickInput(editor, teammatePeerId);
    await editor.notification(/Added alice/).waitFor();

    await editor.page.locator('.activitybar [aria-label^="Peer Backup"]').first().click();
    await editor.page.locator('.monaco-list-row[aria-label^="Plan nightly:"]').waitFor();
    await editor.page.locator('.monaco-list-row[aria-label^="Teammate alice:"]').waitFor();
    await editor.page.screenshot({ path: join(imagesDir, `views-${theme.name}.png`) });

    await editor.runCommand('Peer Backup: Open Settings');
    const panel = editor.webview();
    await panel.locator('#plans-heading').waitFor();
    await panel.locator('#teammates-table').waitFor();
    const preset = await panel.locator('[id$="-schedule-preset"]').first().evaluate((element) => (element as unknown as { value: string }).value);
    if (preset !== 'manual') throw new Error(`the preset dropdown shows "${preset}", not the plan's schedule "manual"`);
    // A schedule typed in shows its next runs, or the error beside the field.
    await panel.locator('[id$="-schedule"] input').first().fill('daily 18:00');
    await panel.locator('[id$="-schedule-preview"]', { hasText: 'Next:' }).first().waitFor();
    await panel.locator('#teammate-peer-id input').fill('not-a-peer-id');
    await panel.locator('#teammate-add').click();
    await panel.locator('#teammate-peer-id-error', { hasText: 'is not a peer ID' }).waitFor();
    // Tall enough for the whole panel, scrolled back to its top.
    await editor.page.setViewportSize({ width: 1280, height: 1800 });
    await panel.locator('h1').scrollIntoViewIfNeeded();
    await editor.page.screenshot({ path: join(imagesDir, `settings-panel-${theme.name}.png`) });
    if (cspViolations.length) throw new Error(`the panel broke its CSP:\n${cspViolations.join('\n')}`);
  } finally {
    await editor.stop();
    rmSync(workspaceDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  mkdirSync(imagesDir, { recursive: true });
  const base = mkdtempSync(join(tmpdir(), 'peer-backup-shots-'));
  const registry = await startUntilReady(process.execPath, [...cliArgs(cli), 'registry', '--port', '0', '--host', '127.0.0.1', '--home', base], /registry listening on (http:\/\/\S+)/, { env: cliEnv(cli) });
  try {
    mkdirSync(join(base, 'teammate'));
    const { peerId } = JSON.parse(execFileSync(process.execPath, [...cliArgs(cli), 'id', '--home', join(base, 'teammate'), '--json'], { encoding: 'utf8', env: cliEnv(cli) })) as { peerId: string };
    for (const theme of process.argv[2] ? themes.filter((each) => each.name === process.argv[2]) : themes) {
      await capture(theme, registry.ready, peerId);
      process.stdout.write(`${theme.name}: done\n`);
    }
  } finally {
    await registry.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
