/** `peer-backup allow|deny|allowed`: who may store backups on this machine, and within what quota. */
import type { Command } from 'commander';
import { UserError } from '../../core/errors';
import { parsePeerId } from '../../core/identity/peer-id';
import { parseQuota } from '../../core/quota';
import { globalOptions, report, withStore } from '../context';
import { formatBytes } from '../format';
import { usageBySender } from '../../core/receive';

export function registerAllowCommands(program: Command): void {
  program
    .command('allow')
    .description('let a teammate store backups here, within a quota')
    .argument('<peer>', "the teammate's peer ID")
    .requiredOption('--quota <size>', 'space granted, e.g. 10GB or 500MB')
    .option('--label <name>', 'a name to recognise them by')
    .action(async (peer: string, options: { quota: string; label?: string }, command: Command) => {
      const global = globalOptions(command);
      const peerId = parsePeerId(peer);
      const quotaBytes = parseQuota(options.quota);
      await withStore(global, async (store) => {
        const allowed = await store.allowedSenders.allow(peerId, quotaBytes, options.label ?? null);
        report(global, allowed, () => `Allowed ${allowed.label ? `${allowed.label} (${peerId})` : peerId} to store up to ${formatBytes(quotaBytes)} here.`);
      });
    });

  program
    .command('deny')
    .description('stop a teammate from storing backups here (their stored snapshots stay)')
    .argument('<peer>', "the teammate's peer ID")
    .action(async (peer: string, _options: object, command: Command) => {
      const global = globalOptions(command);
      const peerId = parsePeerId(peer);
      await withStore(global, async (store) => {
        if (!(await store.allowedSenders.deny(peerId))) throw new UserError(`${peerId} was not allowed here; "peer-backup allowed" lists who is.`);
        report(global, { denied: peerId }, () => `${peerId} may no longer store backups here. Snapshots already stored stay until you delete them.`);
      });
    });

  program
    .command('allowed')
    .description('list the teammates allowed to store here, with quota and space used')
    .option('--storage <dir>', 'the receiver storage folder, to report space used (default: storage/ in the home)')
    .action(async (options: { storage?: string }, command: Command) => {
      const global = globalOptions(command);
      await withStore(global, async (store, home) => {
        const used = await usageBySender(options.storage ?? home.defaultStorageDir);
        const senders = (await store.allowedSenders.list()).map((sender) => ({ ...sender, usedBytes: used.get(sender.peerId) ?? 0 }));
        report(global, senders, () =>
          senders.length === 0
            ? 'Nobody may store here yet: "peer-backup allow PEER_ID --quota 10GB".'
            : senders.map((s) => `${s.label ?? '-'}  ${s.peerId}  ${formatBytes(s.usedBytes)} of ${formatBytes(s.quotaBytes)}`).join('\n'),
        );
      });
    });
}
