/** `peer-backup history [PLAN]`: past runs, newest first, one line each. */
import { InvalidArgumentError, type Command } from 'commander';
import { localTimeZone } from '../../core/schedule/spec';
import type { Run } from '../../core/store';
import { globalOptions, report, withStore } from '../context';
import { formatBytes, formatTime } from '../format';

export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description('list backup runs, newest first: status, files, size, duration and error')
    .argument('[plan]', 'only the runs of this plan')
    .option('--limit <n>', 'show at most N runs', parseLimit, 20)
    .action(async (planName: string | undefined, options: { limit: number }, command: Command) => {
      const global = globalOptions(command);
      await withStore(global, async (store) => {
        const plan = planName === undefined ? undefined : await store.plans.get(planName);
        const runs = await store.runs.list({ planId: plan?.id, limit: options.limit });
        report(global, runs, () => {
          if (runs.length === 0) return plan ? `Plan "${plan.name}" has not run yet: "peer-backup run ${plan.name}" runs it now.` : 'No runs yet.';
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
      ...(run.error ? [run.error] : []),
    ].join('  '),
  );
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('give a whole number of runs, at least 1, such as --limit 20.');
  return limit;
}
