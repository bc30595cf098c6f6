/**
 * `peer-backup recover --from PEER_ID --code "..." --to DIR`: on a new
 * machine, from the recovery code and a teammate's peer ID alone, put this
 * machine's keys back and restore the latest snapshot (or --snapshot ID).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatBytes, formatTime, printable } from '../../core/app';
import { globalOptions, registryOption, report, withApp } from '../context';
import { letHeapGrowForRestore } from '../heap-growth';

interface RecoverOptions {
  from: string;
  code: string;
  to: string;
  snapshot?: string;
  force?: boolean;
  registry?: string;
}

export function registerRecoverCommand(program: Command): void {
  program
    .command('recover')
    .description('on a new machine: bring back this machine\'s keys from the recovery code, then restore the latest snapshot')
    .requiredOption('--from <peer>', "the peer ID of a teammate that holds your backups")
    .requiredOption('--code <words>', 'the 24-word recovery code, in quotes')
    .requiredOption('--to <dir>', 'the folder to restore into (created if missing)')
    .option('--snapshot <id>', 'restore this snapshot instead of the latest')
    .option('--force', 'set aside an identity or storage secret already in this home that is not the recovered one')
    .option(...registryOption)
    .action(async (options: RecoverOptions, command: Command) => {
      letHeapGrowForRestore();
      const global = globalOptions(command);
      const targetDir = resolve(options.to);
      await withApp(
        global,
        async (app) => {
          const result = await app.recovery.recover({ from: options.from, code: options.code, targetDir, snapshotId: options.snapshot, force: options.force === true });
          report(global, result, () =>
            [
              `Recovered this machine's identity (peer ID ${result.peerId}) and storage secret.`,
              ...result.setAside.map((file) => `  set aside: ${file}`),
              `Restored snapshot ${printable(result.snapshot.snapshotId)} of plan ${printable(result.snapshot.plan)} (stored ${formatTime(result.snapshot.storedAt)}): ` +
                `${result.restored.extracted.files} files into ${targetDir}; ${formatBytes(result.restored.fetchedBytes)} fetched.`,
              'Add your plans again ("peer-backup plan add") to go on backing up to the same teammate.',
            ].join('\n'),
          );
        },
        options.registry,
      );
    });
}
