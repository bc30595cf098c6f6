/**
 * Backups run from the editor. A run someone asked for shows a notification
 * with files, MB, MB/s and Cancel, and ends with a message (on failure: the
 * reason and "Show Log"). A scheduled run shows in the status bar's progress
 * area only; the scheduler's events report how it ended.
 */
import { describeProgress, type Run, type RunProgress } from '../core/app';
import { offerLog, showLogAction, whenChosen } from './report-errors';
import type { Services } from './services';
import { countOf, formatBytes, teammateName } from './wording';

const registryUnreachable = 'registry-unreachable';
const changeRegistryAction = 'Change Registry URL';
const hostRegistryAction = 'Host a Registry Here';

/** Progress arrives per chunk; the notification needs it a few times a second at most. */
const progressIntervalMs = 250;

type ShowProgress = (progress: RunProgress) => void;

export class BackupRunner {
  constructor(private readonly services: Services) {}

  /** Runs `planName` now, with a cancellable notification; resolves with the recorded run. */
  async runNow(planName: string): Promise<Run> {
    const { vsc } = this.services;
    const app = this.services.app();
    const plan = await app.plans.get(planName);
    const run = await vsc.window.withProgress(
      { location: vsc.ProgressLocation.Notification, title: `Backing up "${plan.name}"`, cancellable: true },
      (progress, token) => {
        const cancel = new AbortController();
        token.onCancellationRequested(() => cancel.abort());
        let shownPercent = 0;
        const show = throttled((update) => {
          const line = describeProgress(update);
          const increment = line.percent === undefined ? undefined : line.percent - shownPercent;
          if (line.percent !== undefined) shownPercent = line.percent;
          progress.report({ message: line.message, increment });
        });
        return this.logged(plan.name, (onProgress) => app.runs.runNow(plan.name, { signal: cancel.signal, onProgress }), show);
      },
    );
    await this.announceOutcome(run, plan.destination);
    return run;
  }

  /** A scheduled attempt shows in the status bar's progress area only; the scheduler's events report how it ended. */
  presentScheduled(planName: string, run: (onProgress: ShowProgress) => Promise<Run>): Promise<Run> {
    const { vsc } = this.services;
    return Promise.resolve(
      vsc.window.withProgress({ location: vsc.ProgressLocation.Window, title: `Peer Backup: ${planName}` }, (progress) =>
        this.logged(planName, run, throttled((update) => progress.report({ message: describeProgress(update).message }))),
      ),
    );
  }

  /** Runs `run`, logging how it ended and telling the surfaces when its row appears and when it ends. */
  private async logged(planName: string, run: (onProgress: ShowProgress) => Promise<Run>, show: ShowProgress): Promise<Run> {
    const { log } = this.services;
    log.info(`Backing up "${planName}"`);
    let rowWritten = false;
    try {
      const done = await run((update) => {
        // The first progress comes after the run's row is written: time for the status bar to show it running.
        if (!rowWritten) {
          rowWritten = true;
          this.services.changed();
        }
        show(update);
      });
      if (done.status === 'succeeded') {
        log.info(`"${planName}": backed up ${countOf(done.files, 'file')} (${formatBytes(done.bytes)}) as snapshot ${done.snapshotId}`);
        for (const skip of done.skipped) log.warn(`"${planName}": skipped ${skip.path}: ${skip.reason}`);
        if (done.warning) log.warn(`"${planName}": ${done.warning}`);
      } else {
        log.error(`"${planName}" ${done.status}: ${done.error ?? 'no reason recorded'}`);
      }
      return done;
    } finally {
      this.services.changed();
    }
  }

  /** One sentence; the snapshot ID, skipped paths and the full reason are in the log behind "Show Log". */
  private async announceOutcome(run: Run, destination: string | null): Promise<void> {
    const { vsc, log } = this.services;
    if (run.status === 'succeeded') {
      const teammate = destination ? ` to ${await this.teammateName(destination)}` : '';
      const skipped = run.skipped.length ? `; ${countOf(run.skipped.length, 'path')} skipped` : '';
      const backedUp = `Backed up "${run.planName}"${teammate}: ${countOf(run.files, 'file')}, ${formatBytes(run.bytes)}${skipped}.`;
      offerLog(log, run.warning ? vsc.window.showWarningMessage(`${backedUp} ${run.warning}`, showLogAction) : vsc.window.showInformationMessage(backedUp, showLogAction));
    } else if (run.status === 'cancelled') {
      void vsc.window.showInformationMessage(`The backup of "${run.planName}" was cancelled; your teammate keeps nothing partial.`);
    } else if (run.failureStep === registryUnreachable) {
      const url = this.services.settings().registryUrl;
      const choice = vsc.window.showErrorMessage(`The backup of "${run.planName}" failed: the registry at ${url} does not answer.`, changeRegistryAction, hostRegistryAction, showLogAction);
      offerLog(log, choice);
      whenChosen(choice, changeRegistryAction, () => vsc.commands.executeCommand('peerBackup.changeRegistryUrl'));
      whenChosen(choice, hostRegistryAction, () => vsc.commands.executeCommand('peerBackup.hostRegistry'));
    } else {
      offerLog(log, vsc.window.showErrorMessage(`The backup of "${run.planName}" failed: ${run.error ?? 'no reason recorded'}`, showLogAction));
    }
  }

  private async teammateName(peerId: string): Promise<string> {
    return teammateName(await this.services.app().teammates.labelOf(peerId), peerId);
  }
}

/** Passes progress on at most every progressIntervalMs, except that a new phase or a retry notice shows at once. */
function throttled(show: ShowProgress): ShowProgress {
  let lastShownAt = 0;
  let lastPhase: RunProgress['phase'] | undefined;
  return (progress) => {
    const now = Date.now();
    if (progress.phase === lastPhase && progress.retryingIn === undefined && now - lastShownAt < progressIntervalMs) return;
    lastShownAt = now;
    lastPhase = progress.phase;
    show(progress);
  };
}
