/** "Show Backup History": the latest runs of every plan in a quick pick; choosing one shows its outcome in full. */
import { countOf, formatBytes, formatDuration, formatTime, type Run } from '../../core/app';
import { offerLog, showLogAction } from '../report-errors';
import { guardedCommands, type CommandContext, type CommandHandler } from './command-context';

const statusIcons: Record<Run['status'], string> = {
  succeeded: '$(pass)',
  failed: '$(error)',
  interrupted: '$(warning)',
  cancelled: '$(circle-slash)',
  running: '$(sync~spin)',
};

export function historyCommands(context: CommandContext): [string, CommandHandler][] {
  const { vsc, services } = context;
  return guardedCommands(context, {
    'peerBackup.showHistory': [
      'Show Backup History',
      async () => {
        const runs = await services.app().runs.history({ limit: 100 });
        if (runs.length === 0) {
          void vsc.window.showInformationMessage('No backups have run yet.');
          return;
        }
        const picked = await vsc.window.showQuickPick(
          runs.map((run) => ({ label: `${statusIcons[run.status]} ${run.planName}`, description: describeRun(run), detail: run.error ?? undefined, run })),
          { placeHolder: 'Backup history, newest first', matchOnDescription: true, matchOnDetail: true },
        );
        if (!picked) return;
        const { run } = picked;
        if (run.status === 'succeeded') {
          void vsc.window.showInformationMessage(`"${run.planName}" backed up ${countOf(run.files, 'file')} (${formatBytes(run.bytes)}) at ${formatTime(run.startedAt)} as snapshot ${run.snapshotId}.`);
        } else {
          offerLog(services.log, vsc.window.showWarningMessage(`"${run.planName}" ${run.status} at ${formatTime(run.startedAt)}: ${run.error ?? 'no reason recorded'}`, showLogAction));
        }
      },
    ],
  });
}

/** "2025-03-12 14:18 · succeeded · 12 files, 3.4 MB · 2.1 s". */
function describeRun(run: Run): string {
  const parts = [formatTime(run.startedAt), run.status];
  if (run.status === 'succeeded') parts.push(`${run.files} files, ${formatBytes(run.bytes)}`);
  if (run.endedAt !== null) parts.push(formatDuration(run.endedAt - run.startedAt));
  return parts.join(' · ');
}
