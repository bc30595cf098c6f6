/** `peer-backup snapshots` and `peer-backup restore`: what teammates hold for us, and getting it back. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors';
import { parsePeerId } from '../../core/identity/peer-id';
import { holderOf, knownPeers, listSnapshots, restoreSnapshot } from '../../core/restore';
import type { Store } from '../../core/store';
import { globalOptions, report } from '../context';
import { formatBytes, formatTime } from '../format';
import { registryOption, withRunnerContext } from '../runner-context';

export function registerSnapshotCommands(program: Command): void {
  program
    .command('snapshots')
    .description('list the snapshots teammates hold for this machine')
    .option('--dest <peer>', 'only this destination (peer ID or label)')
    .option('--plan <name>', "only this plan's snapshots")
    .option(...registryOption)
    .action(async (options: { dest?: string; plan?: string; registry?: string }, command: Command) => {
      const global = globalOptions(command);
      await withRunnerContext(global, options.registry, async (context) => {
        const plan = options.plan === undefined ? undefined : await context.store.plans.get(options.plan);
        const peers = options.dest
          ? [await peerIdFrom(context.store, options.dest)]
          : plan
            ? [plan.destination ?? noDestination(plan.name)]
            : await knownPeers(context.store);
        const receipts = (await Promise.all(peers.map((peer) => listSnapshots(context, peer)))).flat();
        const shown = plan ? receipts.filter((receipt) => receipt.plan === plan.name) : receipts;
        report(global, shown, () =>
          shown.length === 0
            ? 'No snapshots found.'
            : shown.map((r) => `${r.snapshotId}  ${r.plan}  ${formatBytes(r.size)}  ${formatTime(r.storedAt)}  on ${r.receiver}`).join('\n'),
        );
      });
    });

  program
    .command('restore')
    .description('download a snapshot, verify it, and extract it into a folder')
    .argument('<snapshot>', 'the snapshot id, from "peer-backup snapshots"')
    .requiredOption('--to <dir>', 'the folder to restore into (created if missing)')
    .option('--dest <peer>', 'the teammate holding it (default: found from this machine\'s history)')
    .option('--overwrite', 'replace files that already exist in the folder')
    .option(...registryOption)
    .action(async (snapshotId: string, options: { to: string; dest?: string; overwrite?: boolean; registry?: string }, command: Command) => {
      const global = globalOptions(command);
      await withRunnerContext(global, options.registry, async (context) => {
        const peerId = options.dest ? await peerIdFrom(context.store, options.dest) : await holderOf(context.store, snapshotId);
        if (!peerId) throw new UserError(`this machine's history does not say who holds snapshot ${snapshotId}: name the teammate with --dest PEER_ID.`);
        const targetDir = resolve(options.to);
        const result = await restoreSnapshot(context, { peerId, snapshotId, targetDir, overwrite: options.overwrite === true });
        report(global, result, () =>
          [
            `Restored snapshot ${snapshotId} (${result.extracted.files} files) into ${targetDir}.`,
            ...result.extracted.refusedLinks.map((link) => `  ${link.path}: ${link.reason}`),
          ].join('\n'),
        );
      });
    });
}

async function peerIdFrom(store: Store, given: string): Promise<string> {
  return (await store.destinations.find(given))?.peerId ?? parsePeerId(given);
}

function noDestination(plan: string): never {
  throw new UserError(`plan "${plan}" has no destination, so no teammate holds its snapshots.`);
}
