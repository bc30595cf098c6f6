/** "Restore Snapshot...": pick a plan, one of its snapshots the teammate holds, and a folder to restore into. */
import { readdir } from 'node:fs/promises';
import { formatBytes, formatTime, printable, type LocalRecord } from '../../core/app';
import { pickPlan } from '../pickers';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

/** Shown beside a snapshot whose copy cannot be checked against what this machine recorded. */
const recordNotes: Record<LocalRecord, string> = {
  matches: '',
  differs: ' (differs from what was stored: will not be restored)',
  none: ' (made on another machine)',
};

export function restoreCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, services } = context;
  return guardedCommands(context, {
    'peerBackup.restoreSnapshot': [
      'Restore Snapshot',
      async () => {
        const app = services.app();
        const plan = await pickPlan(vsc, app, 'Restore a snapshot of which plan?', { withDestination: true });
        if (!plan?.destination) return;
        const peerId = plan.destination;
        const teammate = (await app.teammates.labelOf(peerId)) ?? peerId;
        const receipts = await vsc.window.withProgress({ location: vsc.ProgressLocation.Notification, title: `Asking ${teammate} which snapshots they hold...` }, () =>
          app.snapshots.list({ plan: plan.name }),
        );
        const ofPlan = receipts.sort((a, b) => b.storedAt - a.storedAt);
        if (ofPlan.length === 0) {
          void vsc.window.showInformationMessage(`${teammate} holds no snapshots of "${plan.name}" yet: run the plan first.`);
          return;
        }
        const snapshot = await vsc.window.showQuickPick(
          ofPlan.map((receipt) => ({ label: formatTime(receipt.storedAt), description: `${formatBytes(receipt.size)}${recordNotes[receipt.localRecord]}`, detail: printable(receipt.snapshotId), receipt })),
          { placeHolder: `Which snapshot of "${plan.name}"? (newest first)` },
        );
        if (!snapshot) return;
        const acceptUnrecorded = snapshot.receipt.localRecord === 'none';
        if (acceptUnrecorded && !(await confirmUnrecorded(context, teammate, snapshot.receipt.snapshotId))) return;
        const [target] =
          (await vsc.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Restore Here', title: 'Restore into which folder?' })) ?? [];
        if (!target) return;
        const targetDir = target.fsPath;
        let overwrite = false;
        if ((await readdir(targetDir)).length > 0) {
          const replace = 'Replace Existing Files';
          const keep = 'Keep Existing Files';
          const choice = await vsc.window.showWarningMessage(
            `${targetDir} is not empty. Replace files there that the snapshot also has? With "${keep}", the restore stops at the first such file.`,
            { modal: true },
            replace,
            keep,
          );
          if (choice === undefined) return;
          overwrite = choice === replace;
        }
        const { extracted } = await vsc.window.withProgress(
          { location: vsc.ProgressLocation.Notification, title: `Restoring snapshot ${printable(snapshot.receipt.snapshotId)} from ${teammate}...`, cancellable: true },
          (_progress, token) => {
            const cancel = new AbortController();
            token.onCancellationRequested(() => cancel.abort());
            return app.snapshots.restore({ teammate: peerId, snapshotId: snapshot.receipt.snapshotId, targetDir, overwrite, acceptUnrecorded, signal: cancel.signal });
          },
        );
        services.log.info(`Restored snapshot ${printable(snapshot.receipt.snapshotId)} (${extracted.files} files) into ${targetDir}`);
        void vsc.window.showInformationMessage(`Restored ${extracted.files} files of "${plan.name}" (${formatTime(snapshot.receipt.storedAt)}) into ${targetDir}.`);
      },
    ],
  });
}

/** A snapshot this machine holds no record of can only be checked against the teammate's word: the user decides. */
async function confirmUnrecorded({ vsc }: CommandContext, teammate: string, snapshotId: string): Promise<boolean> {
  const restore = "Restore the Teammate's Copy";
  const choice = await vsc.window.showWarningMessage(
    `This machine has no record of snapshot ${printable(snapshotId)}: it was made on another machine, or this machine's backup history is gone. ` +
      `So ${teammate}'s copy cannot be checked against what was stored at backup time, only against the receipt ${teammate} shows now. Restore it only if you trust ${teammate}'s copy.`,
    { modal: true },
    restore,
  );
  return choice === restore;
}
