/** `peer-backup run PLAN`: one backup now, with progress; Ctrl-C cancels it and nothing partial is kept. */
import type { Command } from 'commander';
import { UserError } from '../../core/errors';
import { loadOrCreateIdentity } from '../../core/identity/key-file';
import { RegistryClient } from '../../core/registry/registry-client';
import { resolveRegistryUrl } from '../../core/registry/registry-url';
import { runBackup } from '../../core/runner';
import { globalOptions, report, withStore } from '../context';
import { formatBytes } from '../format';
import { createProgressDisplay } from '../progress-bar';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('back up a plan now')
    .argument('<plan>', 'the plan to run')
    .option('--registry <url>', 'the registry to find the teammate in (default: $PEER_BACKUP_REGISTRY or http://127.0.0.1:7420)')
    .option('--no-retry', 'fail at once when the teammate cannot be reached, instead of retrying for about a minute')
    .action(async (planName: string, options: { registry?: string; retry: boolean }, command: Command) => {
      const global = globalOptions(command);
      const registry = new RegistryClient(resolveRegistryUrl(options.registry));
      await withStore(global, async (store, home) => {
        const identity = await loadOrCreateIdentity(home.dir);
        const cancel = new AbortController();
        const onInterrupt = () => cancel.abort();
        process.once('SIGINT', onInterrupt);
        const display = createProgressDisplay();
        try {
          const run = await runBackup({ store, identity, registry, spoolDir: home.spoolDir }, planName, {
            signal: cancel.signal,
            retryDelaysMs: options.retry ? undefined : [],
            onProgress: (progress) => display.update(progress),
          });
          display.stop();
          if (run.status !== 'succeeded') throw new UserError(`plan "${planName}" ${run.status}: ${run.error}`);
          report(global, run, () =>
            [
              `Backed up ${run.files} files (${formatBytes(run.bytes)}) as snapshot ${run.snapshotId}.`,
              ...run.skipped.map((skip) => `  skipped ${skip.path}: ${skip.reason}`),
            ].join('\n'),
          );
        } finally {
          display.stop();
          process.off('SIGINT', onInterrupt);
        }
      });
    });
}
