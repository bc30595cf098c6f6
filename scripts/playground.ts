/**
 * `npm start`: the product on one machine, ready to try. Starts a registry,
 * a "teammate" receiver that allows this playground's sender, and
 * code-server with the freshly built VSIX installed, a sample workspace, and
 * the teammate already added. Ctrl-C stops everything and removes the temp
 * folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createProfile, installExtension, startCodeServer, writeMachineSettings } from './lib/code-server';
import { startUntilReady, type ReadyProcess } from './lib/start-until-ready';
import { cliArgs, cliEnv } from './lib/cli-args';

const root = resolve(__dirname, '..');
const cli = join(root, 'dist', 'cli.js');

function peerBackup(...args: string[]): string {
  return execFileSync(process.execPath, [...cliArgs(cli), ...args], { encoding: 'utf8', env: cliEnv(cli) }).trim();
}

/** Starts a long-running CLI command and waits for its ready line. */
function startService(args: string[], ready: RegExp): Promise<ReadyProcess> {
  return startUntilReady(process.execPath, [...cliArgs(cli), ...args], ready, { env: cliEnv(cli) });
}

function writeSampleWorkspace(dir: string): void {
  mkdirSync(join(dir, 'src', 'utils'), { recursive: true });
  mkdirSync(join(dir, 'notes'));
  writeFileSync(join(dir, 'src', 'main.ts'), "import { greet } from './utils/greet';\n\nconsole.log(greet('teammate'));\n");
  writeFileSync(join(dir, 'src', 'utils', 'greet.ts'), 'export const greet = (name: string) => `Hello, ${name}!`;\n');
  writeFileSync(join(dir, 'notes', 'todo.md'), '# Not pushed yet\n\n- finish the parser\n- ask about the release date\n');
  writeFileSync(join(dir, 'README.md'), '# Sample project\n\nRight-click `src` in the explorer and choose "Back Up Now to Teammate...".\n');
}

async function main(): Promise<void> {
  // Listening from the start: Ctrl-C while things are still starting must stop them too, not orphan them.
  const stopRequested = new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  const vsix = readdirSync(join(root, 'dist-vsix')).find((name) => name.endsWith('.vsix'));
  if (!vsix) throw new Error('no VSIX in dist-vsix/: run npm run package');
  const base = mkdtempSync(join(tmpdir(), 'peer-backup-playground-'));
  const services: ReadyProcess[] = [];
  let stopping = false;
  const stopAll = async (stopEditor?: () => Promise<void>) => {
    if (stopping) return;
    stopping = true;
    await stopEditor?.();
    await Promise.all(services.map((service) => service.stop()));
    rmSync(base, { recursive: true, force: true });
  };

  const homes = { registry: join(base, 'registry'), teammate: join(base, 'teammate'), you: join(base, 'you') };
  for (const home of Object.values(homes)) mkdirSync(home);
  const workspace = join(base, 'sample-project');
  writeSampleWorkspace(workspace);

  try {
    const registry = await startService(['registry', '--home', homes.registry, '--host', '127.0.0.1', '--port', '0'], /registry listening on (http:\/\/\S+)/);
    services.push(registry);
    const registryUrl = registry.ready;
    const teammateId = peerBackup('id', '--home', homes.teammate);
    const yourId = peerBackup('id', '--home', homes.you);
    peerBackup('allow', yourId, '--quota', '1GB', '--label', 'you', '--home', homes.teammate);
    const receiver = await startService(
      ['receive', '--home', homes.teammate, '--host', '127.0.0.1', '--port', '0', '--registry', registryUrl],
      /"event":"announced".*"port":(\d+)/,
    );
    services.push(receiver);
    peerBackup('dest', 'add', 'teammate', teammateId, '--home', homes.you);

    const profile = createProfile(join(base, 'editor'), { 'peerBackup.registryUrl': registryUrl, 'peerBackup.home': homes.you });
    // The registry and the teammate are set up already, so the first-run walkthrough would ask for steps that are done.
    writeMachineSettings(profile, { 'workbench.welcomePage.walkthroughs.openOnInstall': false });
    await installExtension(profile, join(root, 'dist-vsix', vsix));
    const editor = await startCodeServer(profile, workspace);

    process.stdout.write(
      [
        '',
        'Peer Backup playground is running.',
        '',
        `  Open VS Code:        ${editor.url}`,
        `  Registry:            ${registryUrl}`,
        `  Teammate receiver:   port ${receiver.ready}, peer ID ${teammateId}, storage ${join(homes.teammate, 'storage')}`,
        `  You (the extension): peer ID ${yourId}, home ${homes.you}`,
        '',
        'Try:',
        '  1. In the explorer, right-click "src" -> "Back Up Now to Teammate..." -> teammate.',
        '  2. Command palette -> "Peer Backup: Open Settings" to see plans, schedule and history.',
        '  3. Command palette -> "Peer Backup: Restore Snapshot..." to bring a snapshot back.',
        `  4. See what the teammate stored: ls ${join(homes.teammate, 'storage', yourId)}`,
        '',
        'Press Ctrl-C to stop everything.',
        '',
      ].join('\n'),
    );
    await stopRequested;
    process.stdout.write('Stopping...\n');
    await stopAll(editor.stop);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`playground: ${err.message}\n`);
  process.exitCode = 1;
});
