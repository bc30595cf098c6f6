/** `peer-backup pack PLAN --out FILE`: write a plan's archive to a file, e.g. to inspect it or to carry it by hand. */
import type { Command } from 'commander';
import { formatBytes, type PackFileReport } from '../../core/app';
import { globalOptions, report, withApp } from '../context';
import { table } from '../format';
import { createProgressDisplay } from '../progress-bar';

export function registerPackCommand(program: Command): void {
  program
    .command('pack')
    .description("write a plan's archive (gzip'd tar with a manifest) to a file, without sending it")
    .argument('<plan>', 'the plan to pack')
    .requiredOption('--out <file>', 'the archive file to write, e.g. backup.tar.gz')
    .option('--force', 'replace the file if it exists')
    .action(async (planName: string, options: { out: string; force?: boolean }, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const cancel = new AbortController();
        const onInterrupt = () => cancel.abort();
        process.once('SIGINT', onInterrupt);
        const display = createProgressDisplay();
        const started = Date.now();
        try {
          const packed = await app.plans.pack(planName, options.out, {
            force: options.force === true,
            signal: cancel.signal,
            onProgress: (progress) =>
              display.update({
                phase: 'packing',
                files: progress.files,
                bytes: progress.bytes,
                bytesPerSecond: progress.bytes / Math.max((Date.now() - started) / 1000, 0.001),
                detail: progress.currentPath,
              }),
          });
          display.stop();
          report(global, summaryOf(packed), () => describe(planName, packed));
        } finally {
          display.stop();
          process.off('SIGINT', onInterrupt);
        }
      });
    });
}

/** The report without the manifest's per-entry list, which can be long: the archive holds it. */
function summaryOf(packed: PackFileReport) {
  const { file, archiveBytes, files, directories, symlinks, bytes, skipped, changed } = packed;
  return { file, archiveBytes, files, directories, symlinks, bytes, skipped, changed };
}

function describe(planName: string, packed: PackFileReport): string {
  return [
    `Packed plan "${planName}" into ${packed.file}.`,
    table([
      ['Files', `${packed.files} (${formatBytes(packed.bytes)})`],
      ['Folders', String(packed.directories)],
      ['Symlinks', String(packed.symlinks)],
      ['Archive', formatBytes(packed.archiveBytes)],
    ]),
    ...(packed.skipped.length ? [`Skipped ${packed.skipped.length}:`, ...packed.skipped.map((each) => `  ${each.path}: ${each.reason}`)] : []),
    ...(packed.changed.length ? [`Changed while packing ${packed.changed.length}:`, ...packed.changed.map((each) => `  ${each.path}: ${each.reason}`)] : []),
  ].join('\n');
}
