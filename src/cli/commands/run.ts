/**
 * `peer-backup run PLAN` backs up one plan now, with progress; Ctrl-C cancels
 * it and the teammate keeps nothing partial. `peer-backup run --due` runs
 * every plan whose scheduled time passed without a successful run, then
 * exits: for cron or a systemd timer.
 */
import type { Command } from 'commander';
import { formatBytes, printable, UserError, type Run } from '../../core/app';
import { globalOptions, registryOption, report, withApp } from '../context';
import { createProgressDisplay } from '../progress-bar';

interface RunOptions {
  due?: boolean;
  registry?: string;
  retry: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('back up a plan now, or with --due every plan whose scheduled time has passed')
    .argument('[plan]', 'the plan to run')
    .option('--due', 'run every enabled plan that missed its latest scheduled time, then exit')
    .option(...registryOption)
    .option('--no-retry', 'fail at once when the teammate cannot be reached, instead of retrying for about a minute')
    .action(async (planName: string | undefined, options: RunOptions, command: Command) => {
      const global = globalOptions(command);
      if ((planName === undefined) === (options.due !== true)) throw new UserError('name one plan to run, or pass --due to run every plan that is due.');
      const cancel = new AbortController();
      const onInterrupt = () => cancel.abort();
      process.once('SIGINT', onInterrupt);
      const display = createProgressDisplay();
      try {
        await withApp(
          global,
          async (app) => {
            const run = { signal: cancel.signal, onProgress: display.update };
            if (planName !== undefined) {
              const done = await app.runs.runNow(planName, { ...run, retry: options.retry });
              display.stop();
              report(global, done, () => describeRun(done));
              failIfAny([done]);
              return;
            }
            const due = await app.runs.runDue(run);
            display.stop();
            report(global, due, () =>
              [
                ...(due.runs.length === 0 ? ['No plan is due.'] : due.runs.map(describeRun)),
                ...due.skipped.map((skip) => `${skip.plan}: not run: ${skip.why}`),
              ].join('\n'),
            );
            failIfAny(due.runs);
          },
          options.registry,
        );
      } finally {
        display.stop();
        process.off('SIGINT', onInterrupt);
      }
    });
}

function failIfAny(runs: Run[]): void {
  const failed = runs.filter((run) => run.status !== 'succeeded');
  if (failed.length > 0) throw new UserError(failed.map((run) => `plan "${run.planName}" ${run.status}: ${printable(run.error ?? '')}`).join('; '));
}

function describeRun(run: Run): string {
  if (run.status !== 'succeeded') return `${run.planName}: ${run.status}: ${printable(run.error ?? '')}`;
  return [
    `${run.planName}: backed up ${run.files} files (${formatBytes(run.bytes)}) as snapshot ${printable(run.snapshotId ?? '')}.`,
    ...run.skipped.map((skip) => `  skipped ${skip.path}: ${skip.reason}`),
    ...(run.warning ? [`  warning: ${printable(run.warning)}`] : []),
  ].join('\n');
}
