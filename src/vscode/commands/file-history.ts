/**
 * The backups of one file or folder, from the Explorer or the editor.
 * "Restore from Backup...": pick a snapshot, and that path comes back where
 * it was. "Show Backup History of This File": the versions of the file the
 * snapshots hold; the chosen one opens in a diff against the working copy,
 * with "Restore This Version". (The editor's Timeline view would be the
 * natural home, but its provider API is proposed-only, which a published
 * extension cannot use.)
 *
 * Both restore into a staging folder under the extension's storage first:
 * a path is stored under the plan's name for it, not where it sits on disk,
 * and the diff needs the old version as a file of its own.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type * as vscode from 'vscode';
import { formatBytes, formatTime, printable, UserError, type App, type ListedSnapshot, type Plan } from '../../core/app';
import { showError, whenChosen } from '../report-errors';
import { teammateName } from '../wording';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

const restoreVersionAction = 'Restore This Version';
/** Looking for a file's versions restores it from each snapshot: the newest this many are enough for a history. */
const historyDepth = 30;

/** A path on disk as one plan stores it. */
interface PlanPath {
  plan: Plan & { destination: string };
  /** Its path in the snapshots, '/'-separated. */
  archivePath: string;
  teammate: string;
}

interface Version {
  snapshot: ListedSnapshot;
  file: string;
  size: number;
  sameAsWorkingCopy: boolean;
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
        const at = await planPathOf(context, app, localPath);
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
        const at = await planPathOf(context, app, localPath);
        if (!at) return;
        const snapshots = (await listChunked(context, app, at)).slice(0, historyDepth);
        // The versions stay for the diff to show; the previous history's are no longer needed.
        await rm(join(storageDir, 'file-history'), { recursive: true, force: true });
        const historyDir = await freshDir(join(storageDir, 'file-history'));
        const versions = await vsc.window.withProgress(
          { location: vsc.ProgressLocation.Notification, title: `Looking for versions of ${at.archivePath} at ${at.teammate}...`, cancellable: true },
          (progress, token) => collectVersions(app, at, snapshots, historyDir, localPath, token, (done) => progress.report({ message: `${done} of ${snapshots.length} snapshots`, increment: 100 / snapshots.length })),
        );
        if (versions.length === 0) {
          void vsc.window.showInformationMessage(`No snapshot of "${at.plan.name}" at ${at.teammate} holds ${at.archivePath} as a file yet: run the plan first.`);
          return;
        }
        const chosen = await vsc.window.showQuickPick(
          versions.map((version) => ({
            label: formatTime(version.snapshot.storedAt),
            description: `${formatBytes(version.size)}${version.sameAsWorkingCopy ? ' · same as the working copy' : ''}`,
            detail: `snapshot ${printable(version.snapshot.snapshotId)}`,
            version,
          })),
          { placeHolder: `Versions of ${at.archivePath} backed up to ${at.teammate} (newest first): choose one to compare with the working copy` },
        );
        if (!chosen) return;
        const { version } = chosen;
        const when = formatTime(version.snapshot.storedAt);
        await vsc.commands.executeCommand('vscode.diff', vsc.Uri.file(version.file), vsc.Uri.file(localPath), `${at.archivePath} (backup of ${when}) ↔ working copy`);
        const offer = vsc.window.showInformationMessage(`Comparing the backup of ${when} with the working copy of ${at.archivePath}.`, restoreVersionAction);
        whenChosen(offer, restoreVersionAction, () =>
          restoreVersion(context, version, localPath, when).catch((err: unknown) => showError(vsc, services.log, 'Restore This Version', err)),
        );
      },
    ],
  });
}

/** The file behind an Explorer item or editor; a UserError for anything that is not on this disk. */
function onDisk(uri: vscode.Uri | undefined): string {
  if (!uri) throw new UserError('Open a file first, or right-click one in the Explorer.', { code: 'bad-input' });
  if (uri.scheme !== 'file') throw new UserError(`${uri.toString()} is not a file on this machine's disk, so it has no backups.`, { code: 'bad-input' });
  return uri.fsPath;
}

/** The plan that backs up `localPath` (asking which when several do), and the path it is stored under. */
async function planPathOf({ vsc }: CommandContext, app: App, localPath: string): Promise<PlanPath | undefined> {
  const holding = (await app.plans.list()).flatMap((plan) =>
    plan.items.flatMap((item) => {
      const inside = relative(item.sourcePath, localPath);
      if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return [];
      const archivePath = inside === '' ? item.archivePath : `${item.archivePath}/${inside.split(sep).join('/')}`;
      return [{ plan, archivePath }];
    }),
  );
  if (holding.length === 0) {
    throw new UserError(`${localPath} is in no backup plan: right-click it in the Explorer and choose "Add to Backup Plan...".`, { code: 'not-found' });
  }
  const withTeammate = holding.filter((each): each is { plan: Plan & { destination: string }; archivePath: string } => each.plan.destination !== null);
  if (withTeammate.length === 0) {
    throw new UserError(`Plan "${printable(holding[0].plan.name)}" backs up ${localPath} but has no teammate yet: set its destination in "Peer Backup: Open Settings".`, { code: 'no-destination' });
  }
  const chosen =
    withTeammate.length === 1
      ? withTeammate[0]
      : (await vsc.window.showQuickPick(
          withTeammate.map((each) => ({ label: each.plan.name, description: each.archivePath, each })),
          { placeHolder: `Several plans back up ${localPath}: which plan's backups?` },
        ))?.each;
  if (!chosen) return undefined;
  return { ...chosen, teammate: printable(teammateName(await app.teammates.labelOf(chosen.plan.destination), chosen.plan.destination)) };
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

/** Restores the path alone from `snapshot` into `dir`, under its stored name. */
function restorePath(app: App, at: PlanPath, snapshot: ListedSnapshot, dir: string, token: vscode.CancellationToken) {
  const cancel = new AbortController();
  token.onCancellationRequested(() => cancel.abort());
  return app.snapshots.restore({ snapshotId: snapshot.snapshotId, teammate: at.plan.destination, targetDir: dir, path: at.archivePath, overwrite: false, signal: cancel.signal });
}

/** Each snapshot's copy of the file, restored into a folder of its own; snapshots without it as a file are left out. */
async function collectVersions(
  app: App,
  at: PlanPath,
  snapshots: ListedSnapshot[],
  historyDir: string,
  localPath: string,
  token: vscode.CancellationToken,
  onDone: (count: number) => void,
): Promise<Version[]> {
  const working = await digestOf(localPath);
  const versions: Version[] = [];
  for (const [index, snapshot] of snapshots.entries()) {
    if (token.isCancellationRequested) break;
    const dir = join(historyDir, String(index));
    try {
      await restorePath(app, at, snapshot, dir, token);
    } catch (err) {
      if (err instanceof UserError && err.code === 'not-found') continue; // not in this snapshot: added later, or excluded then
      throw err;
    } finally {
      onDone(index + 1);
    }
    const file = join(dir, ...at.archivePath.split('/'));
    const stats = await stat(file);
    if (!stats.isFile()) continue;
    versions.push({ snapshot, file, size: stats.size, sameAsWorkingCopy: working !== undefined && (await digestOf(file)) === working });
  }
  return versions;
}

/** Writes the version over the working copy, asking first when they differ. */
async function restoreVersion({ vsc, services }: CommandContext, version: Version, localPath: string, when: string): Promise<void> {
  if (!version.sameAsWorkingCopy && (await exists(localPath))) {
    const replaceAction = 'Replace the Working Copy';
    const choice = await vsc.window.showWarningMessage(`Replace ${localPath} with the version of ${when}? Changes made since then are lost unless saved elsewhere.`, { modal: true }, replaceAction);
    if (choice !== replaceAction) return;
  }
  await cp(version.file, localPath, { force: true, preserveTimestamps: true });
  services.log.info(`Restored ${localPath} to the version of snapshot ${printable(version.snapshot.snapshotId)}`);
  void vsc.window.showInformationMessage(`Restored ${localPath} to the version of ${when}.`);
}

async function digestOf(path: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex');
  } catch {
    return undefined; // the working copy was deleted: every version differs from it
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function freshDir(parent: string): Promise<string> {
  await mkdir(parent, { recursive: true, mode: 0o700 });
  return mkdtemp(join(parent, 'r-'));
}
