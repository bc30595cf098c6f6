/**
 * "Restore Snapshot...": pick a plan, one of its snapshots the teammate
 * holds, and a folder to restore into. "Export Snapshot as .tar.gz...": the
 * same pick, written as a plain archive GNU tar reads, so a snapshot is never
 * locked into Peer Backup's format.
 */
import { readdir } from 'node:fs/promises';
import { formatBytes, formatTime, printable, type App, type ListedSnapshot, type LocalRecord, type Plan } from '../../core/app';
import { pickPlan } from '../pickers';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

/** Shown beside a snapshot whose copy cannot be checked against what this machine recorded. */
const recordNotes: Record<LocalRecord, string> = {
  matches: '',
  differs: ' (differs from what was stored: will not be restored)',
  none: ' (made on another machine)',
};

interface PickedSnapshot {
  plan: Plan;
  peerId: string;
  teammate: string;
  snapshot: ListedSnapshot;
}

export function restoreCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, services } = context;
  return guardedCommands(context, {
    'peerBackup.restoreSnapshot': [
      'Restore Snapshot',
      async () => {
        const app = services.app();
        const picked = await pickSnapshot(context, app, 'Restore');
        if (!picked) return;
        const { plan, peerId, teammate, snapshot } = picked;
        // A chunked snapshot carries this machine's signature wherever it is restored; an archive made elsewhere has only the teammate's word.
        const acceptUnrecorded = snapshot.localRecord === 'none';
        if (acceptUnrecorded && snapshot.format === 'archive' && !(await confirmUnrecorded(context, teammate, snapshot.snapshotId))) return;
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
          { location: vsc.ProgressLocation.Notification, title: `Restoring snapshot ${printable(snapshot.snapshotId)} from ${teammate}...`, cancellable: true },
          (_progress, token) => {
            const cancel = new AbortController();
            token.onCancellationRequested(() => cancel.abort());
            return app.snapshots.restore({ teammate: peerId, snapshotId: snapshot.snapshotId, targetDir, overwrite, acceptUnrecorded, signal: cancel.signal });
          },
        );
        services.log.info(`Restored snapshot ${printable(snapshot.snapshotId)} (${extracted.files} files) into ${targetDir}`);
        void vsc.window.showInformationMessage(`Restored ${filesText(extracted.files)} of "${plan.name}" (${formatTime(snapshot.storedAt)}) into ${targetDir}.`);
      },
    ],
    'peerBackup.exportSnapshot': [
      'Export Snapshot',
      async () => {
        const app = services.app();
        const picked = await pickSnapshot(context, app, 'Export', (snapshot) => snapshot.format === 'chunked');
        if (!picked) return;
        const { plan, peerId, teammate, snapshot } = picked;
        const target = await vsc.window.showSaveDialog({
          title: 'Export the snapshot to which file?',
          saveLabel: 'Export',
          defaultUri: vsc.Uri.file(`${plan.name}-${snapshot.snapshotId}.tar.gz`),
          filters: { 'Gzip-compressed tar': ['tar.gz', 'tgz'] },
        });
        if (!target) return;
        const { exported } = await vsc.window.withProgress(
          { location: vsc.ProgressLocation.Notification, title: `Exporting snapshot ${printable(snapshot.snapshotId)} from ${teammate}...`, cancellable: true },
          (_progress, token) => {
            const cancel = new AbortController();
            token.onCancellationRequested(() => cancel.abort());
            // The save dialog already asked whether to replace an existing file.
            return app.snapshots.export({ teammate: peerId, snapshotId: snapshot.snapshotId, outFile: target.fsPath, overwrite: true, signal: cancel.signal });
          },
        );
        services.log.info(`Exported snapshot ${printable(snapshot.snapshotId)} (${exported.files} files) to ${target.fsPath}`);
        void vsc.window.showInformationMessage(`Exported ${filesText(exported.files)} of "${plan.name}" (${formatTime(snapshot.storedAt)}) to ${target.fsPath}.`);
      },
    ],
  });
}

/** A plan with a destination, then one of the snapshots its teammate holds (newest first). */
async function pickSnapshot({ vsc }: CommandContext, app: App, verb: string, eligible: (snapshot: ListedSnapshot) => boolean = () => true): Promise<PickedSnapshot | undefined> {
  const plan = await pickPlan(vsc, app, `${verb} a snapshot of which plan?`, { withDestination: true });
  if (!plan?.destination) return undefined;
  const peerId = plan.destination;
  const teammate = (await app.teammates.labelOf(peerId)) ?? peerId;
  const listed = await vsc.window.withProgress({ location: vsc.ProgressLocation.Notification, title: `Asking ${teammate} which snapshots they hold...` }, () =>
    app.snapshots.list({ plan: plan.name }),
  );
  const ofPlan = listed.filter(eligible).sort((a, b) => b.storedAt - a.storedAt);
  if (ofPlan.length === 0) {
    void vsc.window.showInformationMessage(`${teammate} holds no snapshots of "${plan.name}" to ${verb.toLowerCase()} yet: run the plan first.`);
    return undefined;
  }
  const chosen = await vsc.window.showQuickPick(
    ofPlan.map((snapshot) => ({ label: formatTime(snapshot.storedAt), description: `${formatBytes(snapshot.size)}${recordNotes[snapshot.localRecord]}`, detail: printable(snapshot.snapshotId), snapshot })),
    { placeHolder: `Which snapshot of "${plan.name}"? (newest first)` },
  );
  return chosen && { plan, peerId, teammate, snapshot: chosen.snapshot };
}

function filesText(count: number): string {
  return `${count} ${count === 1 ? 'file' : 'files'}`;
}

/** An archive snapshot this machine holds no record of can only be checked against the teammate's word: the user decides. */
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
