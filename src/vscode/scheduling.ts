/**
 * Runs the scheduler in the extension host while the editor is open. Every
 * window starts one; the lease lets one of them schedule at a time, and
 * another takes over when that window closes.
 */
import type { SchedulerEvent } from '../core/app';
import { offerLog, showLogAction } from './report-errors';
import type { BackupRunner } from './run-with-progress';
import type { Services } from './services';

export async function startScheduling(services: Services, runner: BackupRunner): Promise<void> {
  await services.app().runs.startScheduler({
    onEvent: (event) => report(services, event),
    present: (planName, run) => runner.presentScheduled(planName, run),
  });
}

function report(services: Services, event: SchedulerEvent): void {
  const { vsc, log } = services;
  switch (event.type) {
    case 'lease-acquired':
      log.info('This window schedules the backups (other windows stand by)');
      break;
    case 'lease-lost':
      log.info('Another window or process now schedules the backups');
      break;
    case 'clock-jumped':
      log.info(`The clock jumped by ${Math.round(event.byMs / 1000)} s (sleep?): re-planning and catching up`);
      break;
    case 'caught-up':
      if (event.plans.length) log.info(`Catching up missed backups: ${event.plans.join(', ')}`);
      break;
    case 'run-started':
      log.info(`Scheduled backup of "${event.plan}" (${event.reason}, slot ${event.slot.toISOString()}, attempt ${event.attempt})`);
      break;
    case 'run-finished':
      services.changed();
      if (event.outcome.status === 'failed' && event.retryInMs === undefined) {
        offerLog(log, vsc.window.showErrorMessage(`The scheduled backup of "${event.plan}" failed: ${event.outcome.error ?? 'no reason recorded'}`, showLogAction));
      }
      break;
    case 'run-skipped':
      log.info(`Scheduled backup of "${event.plan}" skipped: ${event.why}`);
      break;
    case 'error':
      log.error(`Scheduler: ${event.error.message}`);
      break;
  }
}
