/**
 * The day the laptop dies. "Show Recovery Kit" shows the 24-word code once,
 * to be kept off this machine, or says when the kit was made and who holds
 * it and offers a new code. "Recover From a Teammate..." is the new
 * machine's side: a teammate's peer ID, the code and a folder, then the
 * keys are put back and the latest snapshot restored.
 */
import { readdir } from 'node:fs/promises';
import { countOf, formatTime, printable, UserError, type App, type RecoverResult } from '../../core/app';
import { askPeerId } from '../pickers';
import { teammateName } from '../wording';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

const copyCodeAction = 'Copy Code';
const newCodeAction = 'Make a New Code';
const replaceKeyAction = 'Replace This Editor\'s Key';
const recoveryCodeWords = 24;

export function recoveryCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, services } = context;
  return guardedCommands(context, {
    'peerBackup.showRecoveryKit': [
      'Show Recovery Kit',
      async () => {
        const app = services.app();
        const kit = await app.recovery.show();
        if (kit.code !== undefined) {
          await showCodeOnce(context, kit.code);
          return;
        }
        const holders = await holderNames(app, kit.heldBy);
        const held = holders.length > 0 ? `${holders.join(', ')} ${holders.length === 1 ? 'holds' : 'hold'} it.` : 'No teammate holds it yet: the next backup leaves it with the plan\'s teammate.';
        const choice = await vsc.window.showInformationMessage(
          `Your recovery kit was made ${formatTime(kit.createdAt)}; its code was shown then and is not kept here. ${held} ` +
            `If the code is lost, make a new one: teammates get the new kit at the next backup, and the old code stops working there.`,
          { modal: true },
          newCodeAction,
        );
        if (choice !== newCodeAction) return;
        const renewed = await app.recovery.show({ renew: true });
        services.log.info(`Made a new recovery code (kit of ${formatTime(renewed.createdAt)})`);
        if (renewed.code !== undefined) await showCodeOnce(context, renewed.code);
      },
    ],
    'peerBackup.recoverFromTeammate': [
      'Recover From a Teammate',
      async () => {
        const app = services.app();
        const from = await askPeerId(vsc, 'Recover From a Teammate (1/3)', 'The peer ID of a teammate who holds your backups (they see it with "Peer Backup: Copy My Peer ID")');
        if (from === undefined) return;
        const code = await vsc.window.showInputBox({
          title: 'Recover From a Teammate (2/3)',
          prompt: `Your ${recoveryCodeWords}-word recovery code, as "Show Recovery Kit" gave it`,
          ignoreFocusOut: true,
          validateInput: checkCodeShape,
        });
        if (code === undefined) return;
        const [target] =
          (await vsc.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Restore Here', title: 'Recover From a Teammate (3/3): restore into which empty folder?' })) ?? [];
        if (!target) return;
        const targetDir = target.fsPath;
        if ((await readdir(targetDir)).length > 0) throw new UserError(`${targetDir} is not empty: choose an empty folder to restore into, so no file of yours is replaced.`, { code: 'bad-input' });
        const result = await recoverWithConsent(context, app, { from, code, targetDir });
        if (!result) return;
        services.changed();
        const { snapshot, restored, setAside } = result;
        services.log.info(`Recovered peer ID ${result.peerId}; restored snapshot ${printable(snapshot.snapshotId)} (${restored.extracted.files} files) into ${targetDir}`);
        const asideNote = setAside.length > 0 ? ` The key this editor had before was set aside (${setAside.join(', ')}).` : '';
        void vsc.window.showInformationMessage(
          `Recovered: this machine is peer ${result.peerId} again. Restored ${countOf(restored.extracted.files, 'file')} of "${printable(snapshot.plan)}" (${formatTime(snapshot.storedAt)}) into ${targetDir}.${asideNote}`,
        );
      },
    ],
  });
}

/** The code in a modal, once: it is not kept on this machine, so this is the only time it can be written down. */
async function showCodeOnce({ vsc, services }: CommandContext, code: string): Promise<void> {
  const choice = await vsc.window.showWarningMessage(
    `Your recovery code (shown only this once):\n\n${code}\n\n` +
      'Write it down or keep it in a password manager, off this machine. With it and a teammate\'s peer ID, "Peer Backup: Recover From a Teammate..." brings your backups back on a new machine; without it they cannot be read.',
    { modal: true },
    copyCodeAction,
  );
  if (choice !== copyCodeAction) return;
  await vsc.env.clipboard.writeText(code);
  services.log.info('Recovery code copied to the clipboard');
  void vsc.window.showInformationMessage('The recovery code is on the clipboard: paste it where you keep it, then copy something else over it.');
}

/** Recovers; when this editor already has a key of its own, asks before setting it aside. */
async function recoverWithConsent(context: CommandContext, app: App, request: { from: string; code: string; targetDir: string }): Promise<RecoverResult | undefined> {
  const { vsc } = context;
  const attempt = (force: boolean) =>
    vsc.window.withProgress({ location: vsc.ProgressLocation.Notification, title: `Recovering from ${request.from}...`, cancellable: true }, (_progress, token) => {
      const cancel = new AbortController();
      token.onCancellationRequested(() => cancel.abort());
      return app.recovery.recover({ ...request, force, signal: cancel.signal });
    });
  try {
    return await attempt(false);
  } catch (err) {
    // Only a key of this editor's own stands in the way (the core's advice names the CLI's flag); a storage-secret clash cannot be forced.
    if (!(err instanceof UserError && err.code === 'conflict' && err.message.includes('--force'))) throw err;
    const choice = await vsc.window.showWarningMessage(
      `This editor already has a key of its own: ${printable(err.message.split('. ')[0])}. Recovering replaces it; backups made under it can then no longer be restored here. Replace it?`,
      { modal: true },
      replaceKeyAction,
    );
    return choice === replaceKeyAction ? attempt(true) : undefined;
  }
}

/** Catches a missing or extra word while typing; the words themselves are checked when the kit is opened. */
function checkCodeShape(text: string): string | undefined {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return words === recoveryCodeWords ? undefined : `A recovery code has ${recoveryCodeWords} words; this has ${words}.`;
}

async function holderNames(app: App, peerIds: string[]): Promise<string[]> {
  return Promise.all(peerIds.map(async (peerId) => printable(teammateName(await app.teammates.labelOf(peerId), peerId))));
}
