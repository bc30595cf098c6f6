/**
 * The "Get Started with Peer Backup" walkthrough (package.json
 * contributes.walkthroughs): opened once, when the extension first runs on
 * this machine, and again whenever "Peer Backup: Get Started" is run.
 */
import type * as vscode from 'vscode';
import type { ExtensionContext } from '../activate';
import type { Vscode } from '../vscode-api';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

/** publisher.name in package.json; the walkthrough is named by it. */
export const extensionId = 'peer-backup.peer-backup';
export const walkthroughId = 'peerBackup.firstRun';
const openedKey = 'peerBackup.walkthroughOpened';

export function walkthroughCommands(context: CommandContext): [string, CommandHandler][] {
  return guardedCommands(context, {
    'peerBackup.getStarted': ['Get Started', async () => openWalkthrough(context.vsc)],
  });
}

/**
 * Opens the walkthrough the first time the extension runs on this machine
 * (the flag is global state, shared by every window), unless the user told
 * the editor not to open walkthroughs of newly installed extensions.
 */
export function openWalkthroughOnFirstRun(vsc: Vscode, context: ExtensionContext, log: vscode.LogOutputChannel): void {
  const { globalState } = context;
  if (!globalState || globalState.get<boolean>(openedKey)) return;
  if (!vsc.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true)) return;
  void Promise.resolve(globalState.update(openedKey, true))
    .then(() => openWalkthrough(vsc))
    .catch((err: unknown) => log.warn(`Opening the walkthrough: ${(err as Error).message}`));
}

function openWalkthrough(vsc: Vscode): Thenable<unknown> {
  return vsc.commands.executeCommand('workbench.action.openWalkthrough', `${extensionId}#${walkthroughId}`, false);
}
