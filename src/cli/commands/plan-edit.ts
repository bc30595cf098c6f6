/** `peer-backup plan set|add-paths|remove-paths`: change a plan after it was made, as the settings panel does. */
import type { Command } from 'commander';
import { UserError, type PlanEdit } from '../../core/app';
import { globalOptions, report, withApp } from '../context';
import { describePlan } from '../plan-text';

interface SetOptions {
  dest?: string;
  schedule?: string;
  enable?: boolean;
  disable?: boolean;
  excludes?: string;
  respectGitignore?: boolean;
}

export function registerPlanEditCommands(plan: Command): void {
  plan
    .command('set')
    .description("change a plan's destination, schedule, excludes or whether it runs on its schedule")
    .argument('<name>')
    .option('--dest <peer>', "the teammate's peer ID, or the label of a destination")
    .option('--schedule <spec>', 'when to run, e.g. "daily 18:00", "hourly", "manual"')
    .option('--enable', 'run on the schedule')
    .option('--disable', 'keep the plan, but do not run it on its schedule')
    .option('--excludes <patterns>', 'replace the excludes: gitignore-style patterns separated by commas ("" for none)')
    .option('--respect-gitignore', 'also leave out what .gitignore files ignore')
    .option('--no-respect-gitignore', 'do not consult .gitignore files')
    .action(async (name: string, options: SetOptions, command: Command) => {
      const global = globalOptions(command);
      if (options.enable && options.disable) throw new UserError('choose --enable or --disable, not both.');
      await withApp(global, async (app) => {
        const changes: PlanEdit = {};
        if (options.dest !== undefined) changes.destination = options.dest;
        if (options.schedule !== undefined) changes.schedule = options.schedule;
        if (options.enable || options.disable) changes.enabled = options.enable === true;
        if (options.excludes !== undefined) changes.excludes = options.excludes.split(',').map((pattern) => pattern.trim()).filter(Boolean);
        if (options.respectGitignore !== undefined) changes.respectGitignore = options.respectGitignore;
        if (Object.keys(changes).length === 0) throw new UserError('nothing to change: give at least one option (see "peer-backup plan set --help").');
        const updated = await app.plans.update(name, changes);
        report(global, updated, () => `Updated plan "${updated.name}".\n${describePlan(updated)}`);
      });
    });

  plan
    .command('add-paths')
    .description('designate more files and folders in a plan')
    .argument('<name>')
    .argument('<paths...>')
    .action(async (name: string, paths: string[], _options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const { plan: updated, notes } = await app.plans.addPaths(name, paths, process.cwd());
        report(global, updated, () => [...notes, describePlan(updated)].join('\n'));
      });
    });

  plan
    .command('remove-paths')
    .description('stop backing up some designated files or folders (nothing is deleted anywhere)')
    .argument('<name>')
    .argument('<paths...>')
    .action(async (name: string, paths: string[], _options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const updated = await app.plans.removePaths(name, paths, process.cwd());
        report(global, updated, () => describePlan(updated));
      });
    });
}
