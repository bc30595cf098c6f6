/**
 * Backups run from the editor. A run someone asked for shows a notification
 * with files, MB, MB/s and Cancel, and ends with a message (on failure: the
 * reason and "Show Log"). A scheduled run shows in the status bar's progress
 * area only; the scheduler's events report how it ended.
 */
import { formatBytes } from '../core/human-format';
import { describeProgress } from '../core/progress-text';
import { runBackup, type RunnerContext, type RunOptions, type RunProgress } from '../core/runner';
import { outcomeOf, withPlanRunLease, type RunPlanOutcome } from '../core/schedule';
import type { Run } from '../core/store';
import { offerLog, showLogAction } from './report-errors';
import type { Services } from './services';

/** Progress arrives per chunk; the notification needs it a few times a second at most. */
const progressIntervalMs = 250;

export class BackupRunner {
  constructor(private readonly services: Services) {}

  /** Runs `planName` now, with a cancellable notification; resolves with the recorded run. */
  async runNow(planName: string): Promise<Run> {
    const { vsc } = this.services;
    const context = await this.services.runnerContext();
    const plan = await context.store.plans.get(planName);
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
        return withPlanRunLease(context.store, plan, () => this.execute(context, plan.name, { signal: cancel.signal }, show));
      },
    );
    this.announceOutcome(run);
    return run;
  }

  /**
   * The scheduler's way to run a plan: it holds the plan's run lease already,
   * retries an unreachable teammate itself (with longer pauses than the
   * runner's), and reports the outcome.
   */
  async runScheduled(planName: string, signal: AbortSignal): Promise<RunPlanOutcome> {
    const { vsc } = this.services;
    const context = await this.services.runnerContext();
    const run = await vsc.window.withProgress({ location: vsc.ProgressLocation.Window, title: `Peer Backup: ${planName}` }, (progress) => {
      const show = throttled((update) => progress.report({ message: describeProgress(update).message }));
      return this.execute(context, planName, { signal, retryDelaysMs: [] }, show);
    });
    return outcomeOf(run);
  }

  private async execute(context: RunnerContext, planName: string, options: Pick<RunOptions, 'signal' | 'retryDelaysMs'>, onProgress: (progress: RunProgress) => void): Promise<Run> {
    const { log } = this.services;
    log.info(`Backing up "${planName}"`);
    let rowWritten = false;
    try {
      const run = await runBackup(context, planName, {
        ...options,
        onProgress: (update) => {
          // The first progress comes after the run's row is written: time for the status bar to show it running.
          if (!rowWritten) {
            rowWritten = true;
            this.services.changed();
          }
          onProgress(update);
        },
      });
      if (run.status === 'succeeded') {
        log.info(`"${planName}": backed up ${run.files} files (${formatBytes(run.bytes)}) as snapshot ${run.snapshotId}`);
        for (const skip of run.skipped) log.warn(`"${planName}": skipped ${skip.path}: ${skip.reason}`);
      } else {
        log.error(`"${planName}" ${run.status}: ${run.error ?? 'no reason recorded'}`);
      }
      return run;
    } finally {
      this.services.changed();
    }
  }

  private announceOutcome(run: Run): void {
    const { vsc, log } = this.services;
    if (run.status === 'succeeded') {
      const skipped = run.skipped.length ? ` ${run.skipped.length} paths were skipped (see the log).` : '';
      void vsc.window.showInformationMessage(`Backed up "${run.planName}": ${run.files} files, ${formatBytes(run.bytes)}, as snapshot ${run.snapshotId}.${skipped}`);
    } else if (run.status === 'cancelled') {
      void vsc.window.showInformationMessage(`The backup of "${run.planName}" was cancelled; your teammate keeps nothing partial.`);
    } else {
      offerLog(log, vsc.window.showErrorMessage(`The backup of "${run.planName}" failed: ${run.error ?? 'no reason recorded'}`, showLogAction));
    }
  }
}

/** Passes progress on at most every progressIntervalMs, except that a new phase or a retry notice shows at once. */
function throttled(show: (progress: RunProgress) => void): (progress: RunProgress) => void {
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
