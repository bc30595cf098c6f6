/** `peer-backup allow|deny|allowed`: who may store backups on this machine, and within what quota. */
import type { Command } from 'commander';
import { formatBytes } from '../../core/app';
import { globalOptions, report, withApp } from '../context';
import { integerFrom } from '../option-parsers';

export function registerAllowCommands(program: Command): void {
  program
    .command('allow')
    .description('let a teammate store backups here, within a quota')
    .argument('<peer>', "the teammate's peer ID")
    .requiredOption('--quota <size>', 'space granted, e.g. 10GB or 500MB')
    .option('--label <name>', 'a name to recognise them by')
    .option('--max-snapshots <n>', 'keep at most this many of their snapshots (a backup past it is refused, naming the snapshots to forget)', integerFrom(1, 1_000_000))
    .action(async (peer: string, options: { quota: string; label?: string; maxSnapshots?: number }, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const allowed = await app.receiving.allow(peer, options.quota, options.label);
        if (options.maxSnapshots !== undefined) await app.retention.limitSenderSnapshots(allowed.peerId, options.maxSnapshots);
        const who = allowed.label ? `${allowed.label} (${allowed.peerId})` : allowed.peerId;
        const ceiling = options.maxSnapshots === undefined ? '' : `, at most ${options.maxSnapshots} snapshots`;
        report(global, { ...allowed, maxSnapshots: options.maxSnapshots ?? null }, () => `Allowed ${who} to store up to ${formatBytes(allowed.quotaBytes)} here${ceiling}.`);
      });
    });

  program
    .command('deny')
    .description('stop a teammate from storing backups here (their stored snapshots stay)')
    .argument('<peer>', "the teammate's peer ID")
    .action(async (peer: string, _options: object, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        await app.receiving.deny(peer);
        report(global, { denied: peer }, () => `${peer} may no longer store backups here. Snapshots already stored stay until you delete them.`);
      });
    });

  program
    .command('allowed')
    .description('list the teammates allowed to store here, with quota and space used')
    .option('--storage <dir>', 'the receiver storage folder, to report space used (default: storage/ in the home)')
    .action(async (options: { storage?: string }, command: Command) => {
      const global = globalOptions(command);
      await withApp(global, async (app) => {
        const senders = await app.receiving.allowed(options.storage);
        report(global, senders, () =>
          senders.length === 0
            ? 'Nobody may store here yet: "peer-backup allow PEER_ID --quota 10GB".'
            : senders.map((s) => `${s.label ?? '-'}  ${s.peerId}  ${formatBytes(s.usedBytes)} of ${formatBytes(s.quotaBytes)}`).join('\n'),
        );
      });
    });
}
