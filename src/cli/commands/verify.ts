/**
 * `peer-backup verify PLAN [--read-data [--sample 10%]]`: the teammate
 * re-hashes the packs it keeps for us; with --read-data this machine reads
 * the snapshots back (all of the data, or a sample) and opens every chunk.
 * Damage names the snapshots affected and exits 1.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { printable, UserError, type VerifyResult } from '../../core/app';
import { globalOptions, registryOption, report, withApp } from '../context';

interface VerifyOptions {
  readData?: boolean;
  sample?: number;
  registry?: string;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description("check that a plan's snapshots are intact at its teammate")
    .argument('<plan>', 'the plan to verify')
    .option('--read-data', 'also read the data back and open every chunk read (AEAD tag and ID), as a restore would')
    .option('--sample <percent>', 'with --read-data, read only this share of the data chunks, e.g. 10%', percent)
    .option(...registryOption)
    .action(async (planName: string, options: VerifyOptions, command: Command) => {
      const global = globalOptions(command);
      if (options.sample !== undefined && !options.readData) throw new UserError('--sample chooses how much data --read-data reads: pass --read-data too.');
      await withApp(
        global,
        async (app) => {
          const result = await app.verification.verify({ plan: planName, readData: options.readData === true, samplePercent: options.sample });
          report(global, result, () => describe(result, options));
          if (result.status !== 'ok') {
            const affected = [...new Set(result.damaged.map((each) => printable(each.snapshotId)))];
            throw new UserError(`plan "${printable(planName)}" has damaged snapshots at its teammate: ${affected.join(', ')}. Back up again now, and restore from another snapshot if you need one of these.`, {
              code: 'damaged',
            });
          }
        },
        options.registry,
      );
    });
}

function describe(result: VerifyResult, options: VerifyOptions): string {
  const read = options.readData ? `; read back and opened ${result.chunksRead} chunks${options.sample === undefined ? '' : ` (a ${options.sample}% sample of the data)`}` : '';
  return [
    `${result.snapshots} snapshots at ${result.destination}: the teammate re-hashed ${result.packsChecked} packs${read}.`,
    result.status === 'ok' ? 'All intact.' : 'Damaged:',
    ...result.damaged.map((each) => `  ${printable(each.snapshotId)}: ${printable(each.problem)}`),
  ].join('\n');
}

function percent(value: string): number {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim());
  const number = match ? Number(match[1]) : NaN;
  if (!(number > 0 && number <= 100)) throw new InvalidArgumentError('expected a share of the data from above 0% to 100%, e.g. 10%.');
  return number;
}
