/**
 * A real VS Code (code-server) driven by Playwright through Debian's Chromium,
 * with the extension installed from the packaged VSIX. Each editor gets a
 * fresh profile and keeps what a failed test needs for a post-mortem in
 * test-artifacts/e2e/<test>/: numbered screenshots, the editor's logs and
 * code-server's output.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { createProfile, installExtension, startCodeServer, waitForExtensionHost, writeMachineSettings, type Profile, type RunningCodeServer } from '../../scripts/lib/code-server';

const repoRoot = resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; publisher: string; version: string };

export const extensionVersion = manifest.version;
/** publisher.name: how the editor names the extension, e.g. to allow it a proposed API. */
export const extensionId = `${manifest.publisher}.${manifest.name}`;
/** Where `npm run package` writes the VSIX. */
export const packagedVsixPath = join(repoRoot, 'dist-vsix', `${manifest.name}-linux-x64-${manifest.version}.vsix`);

/** The browser Playwright drives: PEER_BACKUP_CHROMIUM, else Debian's (scripts/setup-e2e.sh installs it). */
export const chromiumPath = process.env.PEER_BACKUP_CHROMIUM ?? '/usr/bin/chromium';
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// The workbench can be slow to settle on a busy machine; waits are for readiness, not speed.
const uiTimeoutMs = 30_000;
const maxListScrolls = 20;
const menuCloseMs = 3_000;
const listScrollPx = 300;

export interface EditorOptions {
  /** Names the artifacts folder: test-artifacts/e2e/<artifactsName>/. */
  artifactsName: string;
  workspaceDir: string;
  vsixPath: string;
  /** Added to the profile's User/settings.json. */
  settings?: Record<string, unknown>;
  /**
   * Whether the extension's walkthrough opens on its first run, as it does
   * for a user (the editor's default). Off unless a test asks: one opening
   * over a test's first steps takes their focus.
   */
  openWalkthroughs?: boolean;
  /** Starts the editor allowing this extension the proposed APIs its manifest declares (the Timeline). Off: as a user's stable editor runs it. */
  enableProposedApi?: boolean;
  /**
   * A Peer Backup home folder (which must exist) for this editor, as the
   * peerBackup.home setting; by default the extension keeps its own in the
   * profile's global storage.
   */
  peerBackupHome?: string;
}

export async function startEditor(options: EditorOptions): Promise<Editor> {
  const artifactsDir = join(repoRoot, 'test-artifacts', 'e2e', options.artifactsName.replace(/[^\w.-]+/g, '-'));
  rmSync(artifactsDir, { recursive: true, force: true });
  const home = options.peerBackupHome === undefined ? {} : { 'peerBackup.home': options.peerBackupHome };
  const profile = createProfile(mkdtempSync(join(tmpdir(), 'peer-backup-e2e-')), { ...options.settings, ...home });
  writeMachineSettings(profile, { 'workbench.welcomePage.walkthroughs.openOnInstall': options.openWalkthroughs ?? false, ...home });
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  try {
    await installExtension(profile, options.vsixPath);
    server = await startCodeServer(profile, options.workspaceDir, { enableProposedApi: options.enableProposedApi ? [extensionId] : [] });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(uiTimeoutMs);
    await page.goto(server.url);
    await page.waitForSelector('.monaco-workbench');
    await waitForExtensionHost(profile);
    return new Editor(page, browser, server, profile, artifactsDir);
  } catch (error) {
    await browser?.close();
    await server?.stop();
    keepDiagnostics(profile, artifactsDir, server?.output() ?? '');
    rmSync(profile.root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Clicks an item of an open context menu. On a busy machine the menu can
 * swallow a click that lands while it is still settling; the item is then
 * highlighted, and Enter chooses it.
 */
export async function clickMenuItem(page: Page, item: Locator): Promise<void> {
  await item.click();
  const menu = page.locator('.context-view .monaco-menu');
  if (await menu.waitFor({ state: 'hidden', timeout: menuCloseMs }).then(() => true, () => false)) return;
  await item.hover();
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'hidden' });
}

/** The editor's tabs, quick input and notifications as a user sees them, for a failed test's report; never throws. */
export async function describeScreen(page: Page): Promise<string> {
  return whatIsOnScreen(page).catch((error: unknown) => `not described (${String(error)})`);
}

async function whatIsOnScreen(page: Page): Promise<string> {
  const tabs = await page.locator('.tabs-container .tab .label-name').allInnerTexts();
  const widget = page.locator('.quick-input-widget');
  const quickInput = (await widget.isVisible())
    ? `quick input "${await widget.locator('.quick-input-title').innerText()}" holding "${await widget.locator('.quick-input-box input').inputValue()}"`
    : 'no quick input';
  const notifications = await page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts();
  const quoted = (texts: string[]) => (texts.length === 0 ? 'none' : texts.map((text) => JSON.stringify(text)).join(', '));
  return `tabs: ${quoted(tabs)}; ${quickInput}; notifications: ${quoted(notifications)}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function keepDiagnostics(profile: Profile, artifactsDir: string, serverOutput: string): void {
  mkdirSync(artifactsDir, { recursive: true });
  writeFileSync(join(artifactsDir, 'code-server.log'), serverOutput);
  const logsDir = join(profile.userDataDir, 'logs');
  if (existsSync(logsDir)) cpSync(logsDir, join(artifactsDir, 'logs'), { recursive: true });
}

export class Editor {
  private screenshotCount = 0;
  private stopped = false;

  constructor(
    readonly page: Page,
    private readonly browser: Browser,
    private readonly server: RunningCodeServer,
    readonly profile: Profile,
    readonly artifactsDir: string,
  ) {}

  /** Runs a command from the command palette by its full title, e.g. "Peer Backup: Show Log". */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('Control+Shift+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { has: this.page.getByText(title, { exact: true }) }).first().click();
  }

  /**
   * Types into the quick input once it is the one titled `title`, then
   * accepts it. Consecutive boxes reuse one widget, so a fill made before
   * the title changes lands in the previous box.
   */
  async typeInQuickInput(title: string, text: string): Promise<void> {
    const widget = this.page.locator('.quick-input-widget', { has: this.page.locator('.quick-input-title', { hasText: title }) });
    await widget.waitFor();
    const input = widget.locator('.quick-input-box input');
    await input.fill(text);
    if ((await input.inputValue()) !== text) throw new Error(`the quick input "${title}" holds "${await input.inputValue()}", not the "${text}" typed`);
    await input.press('Enter');
  }

  /** Clicks the first row of the open quick pick whose text matches `label`. */
  async pickInQuickInput(label: string | RegExp): Promise<void> {
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().click();
  }

  /** Right-clicks the explorer row labelled `rowLabel` and chooses `menuItem` from its context menu. */
  async chooseExplorerMenuItem(rowLabel: string, menuItem: string): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: rowLabel }).first().click({ button: 'right' });
    await clickMenuItem(this.page, this.page.locator('.context-view .action-label', { hasText: menuItem }).first());
  }

  /** The toast whose message contains `text`, to wait for or to click its buttons. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text });
  }

  /** The texts of the status bar items on screen. */
  statusBarTexts(): Promise<string[]> {
    return this.page.locator('.statusbar-item').allInnerTexts();
  }

  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.statusbar-item', { hasText: text });
  }

  /** The document inside the active webview panel. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  /** The name of the channel the Output panel shows. */
  shownOutputChannel(): Promise<string> {
    return this.page.locator('.part.panel .monaco-select-box').first().inputValue();
  }

  /** The lines of the Output panel that are on screen (the panel renders only the visible ones). */
  async outputLines(): Promise<string[]> {
    const lines = await this.page.locator('.part.panel .view-lines .view-line').allInnerTexts();
    return lines.map((line) => line.replace(/\u00a0/g, ' ')).filter((line) => line.trim() !== '');
  }

  /** The activation time, in ms, that "Developer: Show Running Extensions" gives for an extension. */
  async activationTimeMs(displayName: string): Promise<number> {
    await this.runCommand('Developer: Show Running Extensions');
    const list = this.page.locator('.runtime-extensions-editor .monaco-list');
    await list.locator('.monaco-list-row').first().waitFor();
    const name = this.page.locator('.name', { hasText: new RegExp(`^${escapeRegExp(displayName)}$`) });
    const row = list.locator('.monaco-list-row', { has: name });
    // The list renders only the rows in view, slowest first: scroll down to the extension's row.
    for (let scrolls = 0; (await row.count()) === 0; scrolls += 1) {
      if (scrolls === maxListScrolls) throw new Error(`${displayName} is not among the running extensions`);
      await list.hover();
      await this.page.mouse.wheel(0, listScrollPx);
    }
    const label = await row.locator('.activation-time').innerText();
    const match = /(\d+)\s*ms/.exec(label);
    if (!match) throw new Error(`no activation time for ${displayName} in "${label}"`);
    return Number(match[1]);
  }

  /** Saves test-artifacts/e2e/<test>/NN-name.png; returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(this.artifactsDir, { recursive: true });
    this.screenshotCount += 1;
    const file = join(this.artifactsDir, `${String(this.screenshotCount).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Closes the browser, stops code-server and everything it started, keeps the logs, and deletes the profile. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.browser.close();
    await this.server.stop();
    keepDiagnostics(this.profile, this.artifactsDir, this.server.output());
    rmSync(this.profile.root, { recursive: true, force: true });
  }
}

/**
 * A step of a test; when it fails, a screenshot shows what the user saw in
 * `editor()`, the editor the step drives, and the error says what was on screen.
 */
export function stepsOf(t: TestContext, editor: () => Editor) {
  return (name: string, body: () => Promise<void> | void) =>
    t.test(name, async (stepContext) => {
      try {
        await body();
      } catch (err) {
        await editor().screenshot(`failed-${name.slice(0, 2).replace(/\W/g, '')}`).catch(() => undefined);
        // The screenshot stays on the machine that ran the test; the report carries this line.
        stepContext.diagnostic(`on screen: ${await describeScreen(editor().page)}`);
        throw err;
      }
    });
}
