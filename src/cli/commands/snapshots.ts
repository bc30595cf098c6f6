/** `peer-backup snapshots` and `peer-backup restore`: what teammates hold for us, and getting it back. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatBytes, formatTime, printable, trustTeammateCopyFlag, type LocalRecord } from '../../core/app';
import { globalOptions, registryOption, report, withApp } from '../context';

/** Whether this machine can check each snapshot against what it recorded at backup time. */
const recordNotes: Record<LocalRecord, string> = {
  matches: 'recorded here',
  differs: 'DIFFERS from what was stored (will not be restored)',
  none: `not recorded here (restore needs ${trustTeammateCopyFlag})`,
};

export function registerSnapshotCommands(program: Command): void {
  program
    .command('snapshots')
    .description('list the snapshots teammates hold for this machine')
    .option('--dest <peer>', 'only this destination (peer ID or label)')
    .option('--plan <name>', "only this plan's snapshots")
    .option(...registryOption)
    .action(async (options: { dest?: string; plan?: string; registry?: string }, command: Command) => {
      const global = globalOptions(command);
      await withApp(
        global,
        async (app) => {
          const shown = await app.snapshots.list({ teammate: options.dest, plan: options.plan });
          report(global, shown, () =>
            shown.length === 0
              ? 'No snapshots found.'
              : shown
                  .map((r) => `${printable(r.snapshotId)}  ${printable(r.plan)}  ${formatBytes(r.size)}  ${formatTime(r.storedAt)}  on ${r.receiver}  ${recordNotes[r.localRecord]}`)
                  .join('\n'),
          );
        },
        options.registry,
      );
    });

  program
    .command('restore')
    .description('download a snapshot, verify it, and extract it into a folder')
    .argument('<snapshot>', 'the snapshot id, from "peer-backup snapshots"')
    .requiredOption('--to <dir>', 'the folder to restore into (created if missing)')
    .option('--dest <peer>', 'the teammate holding it (default: found from this machine\'s history)')
    .option('--overwrite', 'replace files that already exist in the folder')
    .option(trustTeammateCopyFlag, "restore a snapshot this machine has no record of (made on another machine), trusting the teammate's copy")
    .option(...registryOption)
    .action(async (snapshotId: string, options: { to: string; dest?: string; overwrite?: boolean; trustTeammateCopy?: boolean; registry?: string }, command: Command) => {
      const global = globalOptions(command);
      const targetDir = resolve(options.to);
      await withApp(
        global,
        async (app) => {
          const result = await app.snapshots.restore({
            snapshotId,
            teammate: options.dest,
            targetDir,
            overwrite: options.overwrite === true,
            acceptUnrecorded: options.trustTeammateCopy === true,
          });
          report(global, result, () =>
            [
              `Restored snapshot ${printable(snapshotId)} (${result.extracted.files} files) into ${targetDir}.`,
              ...result.extracted.refusedLinks.map((link) => `  ${printable(link.path)}: ${link.reason}`),
            ].join('\n'),
          );
        },
        options.registry,
      );
    });
}
