/** `peer-backup snapshots`, `restore` and `export`: what teammates hold for us, and getting it back. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatBytes, formatTime, printable, trustTeammateCopyFlag, type ListedSnapshot, type LocalRecord } from '../../core/app';
import { globalOptions, registryOption, report, withApp } from '../context';
import { letHeapGrowForRestore } from '../heap-growth';

/** Whether this machine can check each snapshot against what it recorded at backup time. */
const recordNotes: Record<LocalRecord, string> = {
  matches: 'recorded here',
  differs: 'DIFFERS from what was stored (will not be restored)',
  none: 'not recorded here',
};

/** An archive snapshot with no record here needs the user's word; a chunked one carries this machine's signature. */
function recordNote(snapshot: ListedSnapshot): string {
  if (snapshot.localRecord === 'none' && snapshot.format === 'archive') return `not recorded here (restore needs ${trustTeammateCopyFlag})`;
  return recordNotes[snapshot.localRecord];
}

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
                  .map((r) => `${printable(r.snapshotId)}  ${printable(r.plan)}  ${formatBytes(r.size)}  ${formatTime(r.storedAt)}  on ${r.receiver}  ${r.format === 'archive' ? 'archive (0.1)  ' : ''}${recordNote(r)}`)
                  .join('\n'),
          );
        },
        options.registry,
      );
    });

  program
    .command('restore')
    .description('bring a snapshot back into a folder, verified: all of it, or one folder or file of it')
    .argument('<snapshot>', 'the snapshot id, from "peer-backup snapshots"')
    .requiredOption('--to <dir>', 'the folder to restore into (created if missing)')
    .option('--path <path>', 'only this file or folder of the snapshot, as the plan names it (e.g. project/src/app.ts)')
    .option('--dest <peer>', 'the teammate holding it (default: found from this machine\'s history)')
    .option('--overwrite', 'replace files that already exist in the folder')
    .option(trustTeammateCopyFlag, "restore a snapshot this machine has no record of (made on another machine), trusting the teammate's copy")
    .option(...registryOption)
    .action(async (snapshotId: string, options: { to: string; path?: string; dest?: string; overwrite?: boolean; trustTeammateCopy?: boolean; registry?: string }, command: Command) => {
      letHeapGrowForRestore();
      const global = globalOptions(command);
      const targetDir = resolve(options.to);
      await withApp(
        global,
        async (app) => {
          const result = await app.snapshots.restore({
            snapshotId,
            teammate: options.dest,
            targetDir,
            path: options.path,
            overwrite: options.overwrite === true,
            acceptUnrecorded: options.trustTeammateCopy === true,
          });
          report(global, result, () =>
            [
              `Restored snapshot ${printable(snapshotId)}${options.path === undefined ? '' : ` (${printable(options.path)})`}: ${plural(result.extracted.files, 'file')} into ${targetDir}; ${formatBytes(result.fetchedBytes)} fetched.`,
              ...result.extracted.refusedLinks.map((link) => `  ${printable(link.path)}: ${link.reason}`),
            ].join('\n'),
          );
        },
        options.registry,
      );
    });

  program
    .command('export')
    .description('write a snapshot, or one folder or file of it, as a plain .tar.gz that GNU tar reads')
    .argument('<snapshot>', 'the snapshot id, from "peer-backup snapshots"')
    .requiredOption('--out <file>', 'the .tar.gz to write')
    .option('--path <path>', 'only this file or folder of the snapshot, as the plan names it')
    .option('--dest <peer>', "the teammate holding it (default: found from this machine's history)")
    .option('--overwrite', 'replace the file when it exists')
    .option(...registryOption)
    .action(async (snapshotId: string, options: { out: string; path?: string; dest?: string; overwrite?: boolean; registry?: string }, command: Command) => {
      const global = globalOptions(command);
      const outFile = resolve(options.out);
      await withApp(
        global,
        async (app) => {
          const result = await app.snapshots.export({ snapshotId, teammate: options.dest, outFile, path: options.path, overwrite: options.overwrite === true });
          report(global, result, () => `Exported snapshot ${printable(snapshotId)} (${plural(result.exported.files, 'file')}) to ${outFile} (${formatBytes(result.exported.archiveBytes)}).`);
        },
        options.registry,
      );
    });
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
