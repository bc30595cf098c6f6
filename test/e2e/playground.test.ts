/**
 * The README's first command: the playground starts, a person opens the URL
 * it prints, backs up a folder from the explorer to the waiting teammate,
 * and Ctrl-C leaves nothing running.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { chromiumPath, clickMenuItem, describeScreen } from './harness';

const root = resolve(__dirname, '../..');
const artifacts = join(root, 'test-artifacts', 'e2e', 'playground');

test('the playground: open the printed URL, Back Up Now to Teammate, then Ctrl-C stops everything', async (t) => {
  mkdirSync(artifacts, { recursive: true });
  // The VSIX is already built by test:e2e; this starts what `npm start` starts after that.
  const playground = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'playground.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((done) => playground.once('exit', (code) => done(code)));
  // Even when a step fails, stop it as Ctrl-C does, so it stops its registry, receiver and editor too.
  t.after(async () => {
    if (playground.exitCode !== null || playground.signalCode !== null) return;
    playground.kill('SIGINT');
    const timer = setTimeout(() => playground.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  });
  let output = '';
  const printed = await new Promise<Record<string, string>>((done, fail) => {
    createInterface({ input: playground.stdout }).on('line', (line) => {
      output += `${line}\n`;
      if (line.startsWith('Press Ctrl-C')) {
        done({
          url: /Open VS Code: +(\S+)/.exec(output)![1],
          storage: /storage (\S+)/.exec(output)![1],
          you: /You \(the extension\): peer ID (\S+),/.exec(output)![1],
        });
      }
    });
    playground.stderr.on('data', (chunk) => (output += chunk));
    playground.once('exit', (code) => fail(new Error(`the playground exited (${code}):\n${output}`)));
  });

  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(60_000);
  try {
    await backUpSrcFromTheExplorer(page, printed.url);
  } catch (err) {
    await page.screenshot({ path: join(artifacts, 'failed.png') }).catch(() => undefined);
    t.diagnostic(`on screen: ${await describeScreen(page)}`);
    throw err;
  }
  await page.screenshot({ path: join(artifacts, 'backed-up.png') });

  const snapshots = readdirSync(join(printed.storage, printed.you, 'v2', 'snapshots'));
  assert.equal(snapshots.filter((name) => name.endsWith('.json')).length, 1, `the teammate's store holds the snapshots: ${snapshots.join(', ')}`);

  await browser.close();
  playground.kill('SIGINT');
  assert.equal(await exited, 0, output);
  assert.equal(existsSync(printed.storage), false, 'the playground left its temp folder behind');
});

async function backUpSrcFromTheExplorer(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench');
  // The workbench shows before the extension host has loaded the extension's menus: ask again until they are there.
  const menuItem = page.locator('.context-view .action-label', { hasText: 'Back Up Now to Teammate...' }).first();
  for (let attempt = 0; ; attempt++) {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'src' }).first().click({ button: 'right' });
    if (await menuItem.waitFor({ timeout: 3_000 }).then(() => true, () => false)) break;
    assert.ok(attempt < 20, 'the explorer menu never offered "Back Up Now to Teammate..."');
    await page.keyboard.press('Escape');
  }
  await clickMenuItem(page, menuItem);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'teammate' }).first().click();
  const done = page.locator('.notifications-toasts .notification-toast', { hasText: /Backed up/ });
  await done.waitFor({ timeout: 120_000 });
}
