/**
 * The `peer-backup` command. Each command lives in commands/; this file only
 * assembles them and turns errors into one line and a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from '../core/app';
import { registerAllowCommands } from './commands/allow';
import { registerDaemonCommand } from './commands/daemon';
import { registerDestCommands } from './commands/dest';
import { registerHistoryCommand } from './commands/history';
import { registerIdCommand } from './commands/id';
import { registerPackCommand } from './commands/pack';
import { registerPlanCommands } from './commands/plan';
import { registerReceiveCommand } from './commands/receive';
import { registerRegistryCommand } from './commands/registry';
import { registerRunCommand } from './commands/run';
import { registerSnapshotCommands } from './commands/snapshots';

export function buildProgram(): Command {
  const program = new Command('peer-backup')
    .description('Back up workspace files straight to a teammate\'s machine.')
    .option('--home <dir>', 'home folder with the database and keys (default: $PEER_BACKUP_HOME or ~/.peer-backup)')
    .option('--json', 'print machine-readable JSON instead of text')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  registerPlanCommands(program);
  registerPackCommand(program);
  registerIdCommand(program);
  registerRegistryCommand(program);
  registerDestCommands(program);
  registerRunCommand(program);
  registerHistoryCommand(program);
  registerSnapshotCommands(program);
  registerReceiveCommand(program);
  registerAllowCommands(program);
  registerDaemonCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander has printed the reason
    if (err instanceof UserError) {
      process.stderr.write(`peer-backup: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`peer-backup: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
