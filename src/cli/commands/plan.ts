/** `peer-backup plan ...`: create, list, show and remove backup plans. */
import { Command } from 'commander';
import { defaultExcludes, manualSchedule } from '../../core/app';
import { globalOptions, report, withApp } from '../context';
import { describePlan } from '../plan-text';
import { registerPlanEditCommands } from './plan-edit';

interface AddOptions {
  dest?: string;
  schedule: string;
  exclude: string[];
  defaultExcludes: boolean;
  respectGitignore?: boolean;
}

export function registerPlanCommands(program: Command): void {
  const plan = program.command('plan').description('create, list, show and remove backup plans');

  plan
    .command('add')
    .description('create a plan that backs up PATHs to a teammate')
    .argument('<name>', 'a name for the plan, e.g. nightly')
    .argument('<paths...>', 'files and folders to back up')
    .option('--dest <peer>', "the teammate's peer ID, or the label of a destination")
    .option('--schedule <spec>', 'when to run', manualSchedule)
    .option('--exclude <pattern>', 'gitignore-style pattern to leave out (repeatable)', collect, [])
    .option('--no-default-excludes', `do not start from the default excludes (${defaultExcludes.join(', ')})`)
    .option('--respect-gitignore', 'also leave out what .gitignore files ignore')
    .action(async (name: string, paths: string[], options: AddOptions, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const { plan: created, notes } = await app.plans.create({
          name,
          paths,
          base: process.cwd(),
          destination: options.dest,
          schedule: options.schedule,
          excludes: [...(options.defaultExcludes ? defaultExcludes : []), ...options.exclude],
          respectGitignore: options.respectGitignore === true,
        });
        report(global, created, () => [`Created plan "${created.name}".`, ...notes, describePlan(created)].join('\n'));
      });
    });

  plan
    .command('list')
    .description('list the plans')
    .action(async (_options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const plans = await app.plans.list();
        report(global, plans, () =>
          plans.length === 0
            ? 'No plans yet: create one with "peer-backup plan add NAME PATH...".'
            : plans
                .map((each) => `${each.name}  ${each.enabled ? '' : '(disabled) '}${each.items.length} path(s) -> ${each.destination ?? 'no destination'}, ${each.schedule}`)
                .join('\n'),
        );
      });
    });

  plan
    .command('show')
    .description("show a plan's paths, destination, schedule and excludes")
    .argument('<name>')
    .action(async (name: string, _options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const found = await app.plans.get(name);
        report(global, found, () => describePlan(found));
      });
    });

  plan
    .command('remove')
    .description('remove a plan and its run history (snapshots already stored by the teammate stay there)')
    .argument('<name>')
    .action(async (name: string, _options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        await app.plans.remove(name);
        report(global, { removed: name }, () => `Removed plan "${name}".`);
      });
    });

  registerPlanEditCommands(plan);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
