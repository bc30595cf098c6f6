/**
 * `peer-backup forget --plan P [--dry-run]` applies the plan's retention
 * policy at its teammate now (it is also applied after every backup), and
 * `--keep-*` changes the policy first; `--snapshot ID` (repeatable) forgets
 * exactly those snapshots and leaves the policy alone. It shows what is
 * kept and why, and what goes.
 */
import type { Command } from 'commander';
import { formatBytes, formatTime, printable, retentionRules, UserError, type ForgetResult, type RetentionPolicy } from '../../core/app';
import { globalOptions, registryOption, report, withApp } from '../context';
import { integerFrom } from '../option-parsers';

type KeepOptions = Partial<Record<`keep${Capitalized}`, number>>;
type Capitalized = 'Last' | 'Hourly' | 'Daily' | 'Weekly' | 'Monthly';

interface ForgetOptions extends KeepOptions {
  plan: string;
  snapshot?: string[];
  dryRun?: boolean;
  registry?: string;
}

const keepCount = integerFrom(0, 100_000);

export function registerForgetCommand(program: Command): void {
  const command = program
    .command('forget')
    .description("delete the plan's snapshots at its teammate that its retention policy no longer keeps")
    .requiredOption('--plan <name>', 'the plan whose snapshots to thin out')
    .option('--snapshot <id>', 'forget this snapshot, leaving the policy as it is (repeat for more)', (id: string, ids: string[] = []) => [...ids, id])
    .option('--dry-run', 'only show what would be forgotten')
    .option(...registryOption);
  for (const rule of retentionRules) command.option(`--keep-${rule} <n>`, `set the policy: ${keepHelp[rule]}`, keepCount);
  command.action(async (options: ForgetOptions, self: Command) => {
    const global = globalOptions(self);
    await withApp(
      global,
      async (app) => {
        const change = policyChange(options);
        if (options.snapshot && Object.keys(change).length > 0) {
          throw new UserError('--snapshot forgets the snapshots named and leaves the policy alone, so it does not go with --keep-*: run them as two commands.', { code: 'bad-input' });
        }
        if (Object.keys(change).length > 0) await app.retention.setPolicy(options.plan, change);
        const result = await app.retention.forget({ plan: options.plan, snapshotIds: options.snapshot, dryRun: options.dryRun === true });
        report(global, result, () => describe(result));
      },
      options.registry,
    );
  });
}

const keepHelp: Record<keyof RetentionPolicy, string> = {
  last: 'keep the newest n snapshots',
  hourly: 'keep the newest snapshot of each of the last n hours that have one',
  daily: 'likewise for days',
  weekly: 'likewise for weeks',
  monthly: 'likewise for months',
};

function policyChange(options: ForgetOptions): Partial<RetentionPolicy> {
  const change: Partial<RetentionPolicy> = {};
  for (const rule of retentionRules) {
    const value = options[`keep${(rule[0]!.toUpperCase() + rule.slice(1)) as Capitalized}`];
    if (value !== undefined) change[rule] = value;
  }
  return change;
}

function describe(result: ForgetResult): string {
  const policy = retentionRules.map((rule) => `${rule} ${result.policy[rule]}`).join(', ');
  const line = (snapshot: ForgetResult['forget'][number]) => `${printable(snapshot.snapshotId)}  ${formatTime(snapshot.storedAt)}  ${formatBytes(snapshot.size)}`;
  return [
    `Plan ${printable(result.plan)} at ${result.teammate}; policy: keep ${policy}.`,
    `Keep ${result.keep.length}:`,
    ...result.keep.map((each) => `  ${line(each.snapshot)}  (${each.reasons.join(', ')})`),
    result.forget.length === 0 ? 'Nothing to forget.' : `${result.dryRun ? 'Would forget' : 'Forgot'} ${result.forget.length}:`,
    ...result.forget.map((snapshot) => `  ${line(snapshot)}`),
    ...(result.dryRun ? [] : [`The teammate freed ${formatBytes(result.freedBytes)}.`]),
  ].join('\n');
}
