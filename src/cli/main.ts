/**
 * The `peer-backup` command. Each command lives in commands/; this file only
 * assembles them and turns errors into one line and a non-zero exit. Any
 * error that is not a UserError is a bug: its details go to errors.log in
 * the home (or to the terminal with --debug), never a raw stack by default.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { printable, resolveHome, UserError } from '../core/app';
import { registerAllowCommands } from './commands/allow';
import { registerDaemonCommand } from './commands/daemon';
import { registerDestCommands } from './commands/dest';
import { registerDoctorCommand } from './commands/doctor';
import { registerForgetCommand } from './commands/forget';
import { registerHistoryCommand } from './commands/history';
import { registerIdCommand } from './commands/id';
import { registerPackCommand } from './commands/pack';
import { registerPlanCommands } from './commands/plan';
import { registerReceiveCommand } from './commands/receive';
import { registerRecoverCommand } from './commands/recover';
import { registerRecoveryKitCommand } from './commands/recovery-kit';
import { registerRegistryCommand } from './commands/registry';
import { registerRunCommand } from './commands/run';
import { registerSnapshotCommands } from './commands/snapshots';
import { registerVerifyCommand } from './commands/verify';

export function buildProgram(): Command {
  const program = new Command('peer-backup')
    .description('Back up workspace files straight to a teammate\'s machine.')
    .option('--home <dir>', 'home folder with the database and keys (default: $PEER_BACKUP_HOME or ~/.peer-backup)')
    .option('--json', 'print machine-readable JSON instead of text')
    .option('--debug', 'print the details of an unexpected error (a bug) here instead of to errors.log in the home')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  registerPlanCommands(program);
  registerPackCommand(program);
  registerIdCommand(program);
  registerRegistryCommand(program);
  registerDestCommands(program);
  registerDoctorCommand(program);
  registerRunCommand(program);
  registerHistoryCommand(program);
  registerSnapshotCommands(program);
  registerReceiveCommand(program);
  registerAllowCommands(program);
  registerDaemonCommand(program);
  registerRecoveryKitCommand(program);
  registerRecoverCommand(program);
  registerForgetCommand(program);
  registerVerifyCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander has printed the reason
    if (err instanceof UserError) {
      process.stderr.write(`peer-backup: ${printable(err.message)}\n`);
      return 1;
    }
    return reportBug(err, argv, program.opts<{ home?: string; debug?: boolean }>());
  }
}

/** One line saying it is a bug and where its details are; exit code 2. */
function reportBug(err: unknown, argv: string[], options: { home?: string; debug?: boolean }): number {
  const message = err instanceof Error ? err.message : String(err);
  const details = err instanceof Error ? (err.stack ?? message) : message;
  const headline = `peer-backup: unexpected error (a bug in Peer Backup): ${printable(message)}`;
  if (options.debug) {
    process.stderr.write(`${headline}\n${details}\n`);
    return 2;
  }
  const log = writeBugLog(options.home, `${new Date().toISOString()} ${argv.slice(2).join(' ')}\n${details}\n\n`);
  process.stderr.write(`${headline}; ${log ? `the details are in ${log}` : 'run it again with --debug to see the details'}.\n`);
  return 2;
}

/** Appends to errors.log in the home, if the home exists; returns the file, or undefined when it could not be written. */
function writeBugLog(homeFlag: string | undefined, entry: string): string | undefined {
  try {
    const home = resolveHome(homeFlag);
    if (!existsSync(home.dir)) return undefined; // a mistyped --home must not be created by an error report
    const file = join(home.dir, 'errors.log');
    appendFileSync(file, entry, { mode: 0o600 });
    return file;
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  // Errors that escape every command (an event emitter's, a timer's) are bugs too.
  const onEscaped = (err: unknown) => {
    const homeAt = process.argv.indexOf('--home');
    process.exitCode = reportBug(err, process.argv, { home: homeAt > 0 ? process.argv[homeAt + 1] : undefined, debug: process.argv.includes('--debug') });
    process.exit();
  };
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
