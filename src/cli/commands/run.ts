/**
 * `peer-backup run PLAN` backs up one plan now, with progress; Ctrl-C cancels
 * it and the teammate keeps nothing partial. `peer-backup run --due` runs
 * every plan whose scheduled time passed without a successful run, then
 * exits: for cron or a systemd timer.
 */
import type { Command } from 'commander';
import { UserError } from '../../core/errors';
import { runBackup, type RunnerContext } from '../../core/runner';
import { duePlans, withPlanRunLease } from '../../core/schedule';
import type { Run } from '../../core/store';
import { globalOptions, report } from '../context';
import { formatBytes } from '../format';
import { createProgressDisplay } from '../progress-bar';
import { registryOption, withRunnerContext } from '../runner-context';

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
      await withRunnerContext(global, options.registry, async (context) => {
        const cancel = new AbortController();
        const onInterrupt = () => cancel.abort();
        process.once('SIGINT', onInterrupt);
        try {
          const names = planName === undefined ? (await duePlans(context.store, Date.now())).map((plan) => plan.name) : [planName];
          const runs: Run[] = [];
          for (const name of names) runs.push(await runOne(context, name, options, cancel.signal));
          report(global, planName === undefined ? runs : runs[0], () => (runs.length === 0 ? 'No plan is due.' : runs.map(describeRun).join('\n')));
          const failed = runs.filter((run) => run.status !== 'succeeded');
          if (failed.length > 0) {
            throw new UserError(failed.map((run) => `plan "${run.planName}" ${run.status}: ${run.error}`).join('; '));
          }
        } finally {
          process.off('SIGINT', onInterrupt);
        }
      });
    });
}

async function runOne(context: RunnerContext, planName: string, options: RunOptions, signal: AbortSignal): Promise<Run> {
  const plan = await context.store.plans.get(planName);
  const display = createProgressDisplay();
  try {
    return await withPlanRunLease(context.store, plan, () =>
      runBackup(context, plan.name, { signal, retryDelaysMs: options.retry ? undefined : [], onProgress: (progress) => display.update(progress) }),
    );
  } finally {
    display.stop();
  }
}

function describeRun(run: Run): string {
  if (run.status !== 'succeeded') return `${run.planName}: ${run.status}: ${run.error}`;
  return [
    `${run.planName}: backed up ${run.files} files (${formatBytes(run.bytes)}) as snapshot ${run.snapshotId}.`,
    ...run.skipped.map((skip) => `  skipped ${skip.path}: ${skip.reason}`),
  ].join('\n');
}
