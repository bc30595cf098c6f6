/**
 * The open file's backed-up versions in the editor's Timeline view: one
 * item per version (time, size, teammate), newest first; choosing one opens
 * it in a diff against the working copy, as "Show Backup History of This
 * File" does. The Timeline provider API is proposed: an editor not started
 * to allow it for this extension throws on registration, and then the
 * command remains the way to a file's history.
 */
import type * as vscode from 'vscode';
import { formatBytes, formatTime, printable } from '../core/app';
import type { VersionReference } from './commands/file-history';
import { backedUpAt } from './file-history/plan-path';
import { fileVersions } from './file-history/versions';
import type { Services } from './services';
import type { Timeline, TimelineChangeEvent, TimelineItem, TimelineProvider, TimelineWorkspace } from './timeline-proposal';
import type { Vscode } from './vscode-api';

export const timelineSourceId = 'peerBackup.backups';
/** A file on this machine's disk: the workbench of a remote editor (code-server, SSH) names it vscode-remote, the extension host file. */
const fileSchemes = ['file', 'vscode-remote'];

export class BackupTimeline implements TimelineProvider {
  readonly id = timelineSourceId;
  readonly label = 'Peer Backup';
  private readonly listeners = new Set<(event: TimelineChangeEvent | undefined) => void>();

  constructor(
    private readonly vsc: Vscode,
    private readonly services: Services,
  ) {}

  readonly onDidChange: vscode.Event<TimelineChangeEvent | undefined> = (listener, thisArgs) => {
    const bound = (event: TimelineChangeEvent | undefined) => listener.call(thisArgs, event);
    this.listeners.add(bound);
    return { dispose: () => this.listeners.delete(bound) };
  };

  /** A backup ran or a plan changed: every file's items may differ. */
  refresh(): void {
    for (const listener of this.listeners) listener(undefined);
  }

  async provideTimeline(uri: vscode.Uri, _options: unknown, token: vscode.CancellationToken): Promise<Timeline> {
    if (!fileSchemes.includes(uri.scheme)) return { items: [] };
    const localPath = uri.fsPath;
    const app = this.services.app();
    const cancel = new AbortController();
    token.onCancellationRequested(() => cancel.abort());
    const items: TimelineItem[] = [];
    for (const at of await backedUpAt(app, localPath)) {
      try {
        for (const version of await fileVersions(app, at, localPath, cancel.signal)) {
          const when = formatTime(version.snapshot.storedAt);
          const size = formatBytes(version.size);
          const reference: VersionReference = { localPath, plan: at.plan.name, snapshotId: version.snapshot.snapshotId, storedAt: version.snapshot.storedAt };
          items.push({
            id: `${at.plan.name}/${version.snapshot.snapshotId}`,
            timestamp: version.snapshot.storedAt,
            label: `Backup at ${at.teammate}`,
            description: version.sameAsWorkingCopy ? `${size} · same as the working copy` : size,
            tooltip: `${at.archivePath}, ${size}, backed up ${when} to ${at.teammate} by plan "${printable(at.plan.name)}"${version.snapshots > 1 ? ` (unchanged in ${version.snapshots} snapshots)` : ''}. Choose to compare with the working copy.`,
            iconPath: new this.vsc.ThemeIcon('cloud'),
            command: { command: 'peerBackup.openBackupVersion', title: 'Compare with the Working Copy', arguments: [reference] },
            contextValue: 'peerBackup.version',
            accessibilityInformation: { label: `Backup of ${when} at ${at.teammate}, ${size}` },
          });
        }
      } catch (err) {
        // The Timeline has no place for an error: the teammate may simply be offline now.
        if (!cancel.signal.aborted) this.services.log.warn(`Timeline of ${localPath}: the backups of "${printable(at.plan.name)}" at ${at.teammate} could not be read: ${(err as Error).message}`);
      }
    }
    return { items: items.sort((a, b) => b.timestamp - a.timestamp) };
  }
}

/** Registers the timeline where the editor allows the proposed API; undefined (and a log line) where it does not. */
export function registerBackupTimeline(vsc: Vscode, timeline: BackupTimeline, log: vscode.LogOutputChannel): vscode.Disposable | undefined {
  const workspace = vsc.workspace as typeof vsc.workspace & Partial<TimelineWorkspace>;
  try {
    if (typeof workspace.registerTimelineProvider !== 'function') throw new Error('this editor has no Timeline provider API');
    const registration = workspace.registerTimelineProvider(fileSchemes, timeline);
    log.info('Backed-up versions show in the Timeline view');
    return registration;
  } catch (err) {
    log.info(`The Timeline view does not list backed-up versions here (${(err as Error).message}); "Show Backup History of This File" does.`);
    return undefined;
  }
}
