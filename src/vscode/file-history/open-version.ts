/**
 * One backed-up version of a file in a diff against the working copy, with
 * "Restore This Version". The version is restored alone into a folder of
 * the extension's storage first: the diff needs it as a file of its own.
 * That folder is replaced by the next version opened.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { formatTime, printable, type App, type ListedSnapshot } from '../../core/app';
import type { CommandContext } from '../commands/command-context';
import { showError, whenChosen } from '../report-errors';
import type { PlanPath } from './plan-path';

export const restoreVersionAction = 'Restore This Version';

/** Restores the path alone from `snapshot` into `dir`, under its stored name. */
export function restorePath(app: App, at: PlanPath, snapshot: Pick<ListedSnapshot, 'snapshotId'>, dir: string, token: vscode.CancellationToken) {
  const cancel = new AbortController();
  token.onCancellationRequested(() => cancel.abort());
  return app.snapshots.restore({ snapshotId: snapshot.snapshotId, teammate: at.plan.destination, targetDir: dir, path: at.archivePath, overwrite: false, signal: cancel.signal });
}

export async function freshDir(parent: string): Promise<string> {
  await mkdir(parent, { recursive: true, mode: 0o700 });
  return mkdtemp(join(parent, 'r-'));
}

export async function openVersion(context: CommandContext, storageDir: string, at: PlanPath, snapshot: Pick<ListedSnapshot, 'snapshotId' | 'storedAt'>, localPath: string): Promise<void> {
  const { vsc, services } = context;
  const app = services.app();
  const historyDir = join(storageDir, 'file-history');
  await rm(historyDir, { recursive: true, force: true });
  const dir = await freshDir(historyDir);
  const when = formatTime(snapshot.storedAt);
  await vsc.window.withProgress({ location: vsc.ProgressLocation.Notification, title: `Fetching the version of ${when} of ${at.archivePath} from ${at.teammate}...`, cancellable: true }, (_progress, token) =>
    restorePath(app, at, snapshot, dir, token),
  );
  const file = join(dir, ...at.archivePath.split('/'));
  await vsc.commands.executeCommand('vscode.diff', vsc.Uri.file(file), vsc.Uri.file(localPath), `${at.archivePath} (backup of ${when}) ↔ working copy`);
  const offer = vsc.window.showInformationMessage(`Comparing the backup of ${when} with the working copy of ${at.archivePath}.`, restoreVersionAction);
  whenChosen(offer, restoreVersionAction, () =>
    restoreVersion(context, file, snapshot.snapshotId, localPath, when).catch((err: unknown) => showError(vsc, services.log, restoreVersionAction, err)),
  );
}

/** Writes the version over the working copy, asking first when they differ. */
async function restoreVersion({ vsc, services }: CommandContext, file: string, snapshotId: string, localPath: string, when: string): Promise<void> {
  const working = await digestOf(localPath);
  if (working !== undefined && working !== (await digestOf(file))) {
    const replaceAction = 'Replace the Working Copy';
    const choice = await vsc.window.showWarningMessage(`Replace ${localPath} with the version of ${when}? Changes made since then are lost unless saved elsewhere.`, { modal: true }, replaceAction);
    if (choice !== replaceAction) return;
  }
  await cp(file, localPath, { force: true, preserveTimestamps: true });
  services.log.info(`Restored ${localPath} to the version of snapshot ${printable(snapshotId)}`);
  void vsc.window.showInformationMessage(`Restored ${localPath} to the version of ${when}.`);
}

async function digestOf(path: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex');
  } catch {
    return undefined; // the working copy was deleted: nothing to lose
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
