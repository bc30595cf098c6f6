/**
 * The backups of one file or folder, from the Explorer or the editor.
 * "Restore from Backup...": pick a snapshot, and that path comes back where
 * it was. "Show Backup History of This File": the versions of the file the
 * snapshots hold, read from their trees; the chosen one opens in a diff
 * against the working copy, with "Restore This Version". The same versions
 * show in the editor's Timeline view where the editor allows its proposed
 * API (../timeline.ts); this command works in every editor.
 *
 * A restore goes into a staging folder under the extension's storage first:
 * a path is stored under the plan's name for it, not where it sits on disk.
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as vscode from 'vscode';
import { formatBytes, formatTime, printable, UserError, type App, type ListedSnapshot } from '../../core/app';
import { openVersion, restorePath, freshDir, exists } from '../file-history/open-version';
import { onDisk, requireBackedUp, backedUpAt, type PlanPath } from '../file-history/plan-path';
import { fileVersions } from '../file-history/versions';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

/** What a Timeline item passes to "peerBackup.openBackupVersion". */
export interface VersionReference {
  localPath: string;
  plan: string;
  snapshotId: string;
  storedAt: number;
}

export function fileHistoryCommands(context: CommandContext, storageDir: string): [string, CommandHandler][] {
  const { vsc, services } = context;
  const staging = join(storageDir, 'restore-staging');
  return guardedCommands(context, {
    'peerBackup.restoreFromBackup': [
      'Restore from Backup',
      async (clicked?: vscode.Uri) => {
        const localPath = onDisk(clicked);
        const app = services.app();
        const at = await choosePlan(context, await requireBackedUp(app, localPath), localPath);
        if (!at) return;
        const snapshots = await listChunked(context, app, at);
        const chosen = await vsc.window.showQuickPick(
          snapshots.map((snapshot) => ({ label: formatTime(snapshot.storedAt), description: formatBytes(snapshot.size), detail: printable(snapshot.snapshotId), snapshot })),
          { placeHolder: `Restore ${at.archivePath} from which snapshot of "${at.plan.name}"? (newest first)` },
        );
        if (!chosen) return;
        const dir = await freshDir(staging);
        try {
          await vsc.window.withProgress(
            { location: vsc.ProgressLocation.Notification, title: `Restoring ${at.archivePath} from ${at.teammate}...`, cancellable: true },
            (_progress, token) => restorePath(app, at, chosen.snapshot, dir, token),
          );
          let replace = false;
          if (await exists(localPath)) {
            const replaceAction = 'Replace Existing Files';
            const keepAction = 'Keep Existing Files';
            const choice = await vsc.window.showWarningMessage(
              `${localPath} exists. Replace it with the version of ${formatTime(chosen.snapshot.storedAt)}? With "${keepAction}", only files missing here are restored.`,
              { modal: true },
              replaceAction,
              keepAction,
            );
            if (choice === undefined) return;
            replace = choice === replaceAction;
          }
          await mkdir(dirname(localPath), { recursive: true });
          await cp(join(dir, ...at.archivePath.split('/')), localPath, { recursive: true, force: replace, errorOnExist: false, preserveTimestamps: true });
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        services.log.info(`Restored ${at.archivePath} from snapshot ${printable(chosen.snapshot.snapshotId)} to ${localPath}`);
        void vsc.window.showInformationMessage(`Restored ${localPath} from the backup of ${formatTime(chosen.snapshot.storedAt)}.`);
      },
    ],
    'peerBackup.showFileHistory': [
      'Show Backup History of This File',
      async (clicked?: vscode.Uri) => {
        const localPath = onDisk(clicked ?? vsc.window.activeTextEditor?.document.uri);
        const app = services.app();
        const at = await choosePlan(context, await requireBackedUp(app, localPath), localPath);
        if (!at) return;
        const versions = await vsc.window.withProgress(
          { location: vsc.ProgressLocation.Notification, title: `Looking for versions of ${at.archivePath} at ${at.teammate}...`, cancellable: true },
          (_progress, token) => {
            const cancel = new AbortController();
            token.onCancellationRequested(() => cancel.abort());
            return fileVersions(app, at, localPath, cancel.signal);
          },
        );
        if (versions.length === 0) {
          void vsc.window.showInformationMessage(`No snapshot of "${printable(at.plan.name)}" at ${at.teammate} holds ${at.archivePath} as a file yet: run the plan first.`);
          return;
        }
        const chosen = await vsc.window.showQuickPick(
          versions.map((version) => ({
            label: formatTime(version.snapshot.storedAt),
            description: [formatBytes(version.size), ...(version.snapshots > 1 ? [`in ${version.snapshots} snapshots`] : []), ...(version.sameAsWorkingCopy ? ['same as the working copy'] : [])].join(' · '),
            detail: `snapshot ${printable(version.snapshot.snapshotId)}`,
            version,
          })),
          { placeHolder: `Versions of ${at.archivePath} backed up to ${at.teammate} (newest first): choose one to compare with the working copy` },
        );
        if (!chosen) return;
        await openVersion(context, storageDir, at, chosen.version.snapshot, localPath);
      },
    ],
    'peerBackup.openBackupVersion': [
      'Compare Backup Version',
      async (reference?: VersionReference) => {
        if (!reference) throw new UserError('Choose a backed-up version in the Timeline view, or use "Show Backup History of This File".', { code: 'bad-input' });
        const at = (await backedUpAt(services.app(), reference.localPath)).find((each) => each.plan.name === reference.plan);
        if (!at) throw new UserError(`Plan "${printable(reference.plan)}" no longer backs up ${reference.localPath} to a teammate.`, { code: 'not-found' });
        await openVersion(context, storageDir, at, reference, reference.localPath);
      },
    ],
  });
}

/** The one plan's backups to use; asks when several plans back the path up. */
async function choosePlan({ vsc }: CommandContext, holding: PlanPath[], localPath: string): Promise<PlanPath | undefined> {
  if (holding.length === 1) return holding[0];
  const chosen = await vsc.window.showQuickPick(
    holding.map((each) => ({ label: each.plan.name, description: each.archivePath, each })),
    { placeHolder: `Several plans back up ${localPath}: which plan's backups?` },
  );
  return chosen?.each;
}

/** The plan's snapshots a path can be restored from alone (the chunked ones), newest first. */
async function listChunked({ vsc }: CommandContext, app: App, at: PlanPath): Promise<ListedSnapshot[]> {
  const listed = await vsc.window.withProgress({ location: vsc.ProgressLocation.Notification, title: `Asking ${at.teammate} which snapshots they hold...` }, () =>
    app.snapshots.list({ plan: at.plan.name }),
  );
  const chunked = listed.filter((snapshot) => snapshot.format === 'chunked').sort((a, b) => b.storedAt - a.storedAt);
  if (chunked.length === 0) throw new UserError(`${at.teammate} holds no snapshot of "${printable(at.plan.name)}" that ${at.archivePath} can be restored from: run the plan first.`, { code: 'not-found' });
  return chunked;
}
