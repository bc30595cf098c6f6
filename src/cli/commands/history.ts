/** `peer-backup history [PLAN]`: past runs, newest first, one line each. */
import { InvalidArgumentError, type Command } from 'commander';
import { formatBytes, formatDuration, formatTime, localTimeZone, printable, type Run } from '../../core/app';
import { globalOptions, report, withApp } from '../context';

export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description('list backup runs, newest first: status, files, size, duration and error')
    .argument('[plan]', 'only the runs of this plan')
    .option('--limit <n>', 'show at most N runs', parseLimit, 20)
    .action(async (planName: string | undefined, options: { limit: number }, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const runs = await app.runs.history({ plan: planName, limit: options.limit });
        report(global, runs, () => {
          if (runs.length === 0) return planName ? `Plan "${planName}" has not run yet: "peer-backup run ${planName}" runs it now.` : 'No runs yet.';
          return [`Newest first; times are local (${localTimeZone()}).`, ...describeRuns(runs)].join('\n');
        });
      });
    });
}

function describeRuns(runs: Run[]): string[] {
  const planWidth = Math.max(...runs.map((run) => run.planName.length));
  const statusWidth = Math.max(...runs.map((run) => run.status.length));
  return runs.map((run) =>
    [
      formatTime(run.startedAt),
      run.planName.padEnd(planWidth),
      run.status.padEnd(statusWidth),
      `${run.files} files`,
      formatBytes(run.bytes),
      run.endedAt === null ? 'still going' : formatDuration(run.endedAt - run.startedAt),
      ...(run.error ? [printable(run.error)] : []),
      ...(run.warning ? [`warning: ${printable(run.warning)}`] : []),
    ].join('  '),
  );
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('give a whole number of runs, at least 1, such as --limit 20.');
  return limit;
}
